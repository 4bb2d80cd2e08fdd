export const TOKEN_COOKIE = 'pulseboard_token';

/** The value of one cookie from a Cookie header, or null; the API only ever reads its own token cookie. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

/** The Set-Cookie value the dashboard sends when it is opened with ?token=. */
export function tokenCookie(secret: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(secret)}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The Set-Cookie value that ends the dashboard's session. */
export function clearedTokenCookie(): string {
  return `${TOKEN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
