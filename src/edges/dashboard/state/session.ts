import { computed, signal } from '@preact/signals';
import { api, ApiError, whenUnauthorized } from '../api.js';
import type { Session } from '../logic/types.js';

/** null while asking; 'anonymous' shows the login form, with why in loginMessage. */
export const session = signal<Session | 'anonymous' | null>(null);
export const loginMessage = signal<string>('');

export const canAct = computed(() => {
  const s = session.value;
  return s !== null && s !== 'anonymous' && (s.role === 'operator' || s.role === 'admin');
});

export function currentSession(): Session | null {
  const s = session.value;
  return s === null || s === 'anonymous' ? null : s;
}

whenUnauthorized(() => {
  loginMessage.value = 'Your session ended (the token was revoked or the server forgot it). Log in again.';
  session.value = 'anonymous';
});

/**
 * A `?token=` in the address was turned into a cookie by the server (if valid); the token leaves the
 * address bar and the history entry at once, before anything else runs.
 */
export function takeTokenFromAddress(): boolean {
  const url = new URL(location.href);
  if (!url.searchParams.has('token')) return false;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return true;
}

export async function loadSession(hadToken: boolean): Promise<void> {
  try {
    session.value = await api<Session>('GET', '/api/session');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      loginMessage.value = hadToken ? `The token in the link was not accepted: ${err.message}.` : '';
      session.value = 'anonymous';
      return;
    }
    loginMessage.value = `Cannot reach the server: ${err instanceof Error ? err.message : String(err)}`;
    session.value = 'anonymous';
  }
}

export async function logIn(token: string): Promise<void> {
  try {
    session.value = await api<Session>('POST', '/api/session', { token });
    loginMessage.value = '';
  } catch (err) {
    loginMessage.value = err instanceof Error ? err.message : String(err);
  }
}

export async function logOut(): Promise<void> {
  await api('DELETE', '/api/session').catch(() => undefined);
  loginMessage.value = 'Logged out.';
  session.value = 'anonymous';
}
