import type { ApiToken } from './types.js';

/** last_used_at is a hint for people, so it is refreshed at most this often instead of on every request. */
export const TOKEN_TOUCH_INTERVAL_SECONDS = 60;

export function tokenNeedsTouch(token: Pick<ApiToken, 'last_used_at'>, now: number): boolean {
  return token.last_used_at === null || now - token.last_used_at >= TOKEN_TOUCH_INTERVAL_SECONDS;
}
