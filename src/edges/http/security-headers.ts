import type { ServerResponse } from 'node:http';

const FRAME_ANCESTORS = "frame-ancestors 'none'";

/** Headers every answer carries, even those written straight to the socket (SSE, framing errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': FRAME_ANCESTORS,
};

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

/** Set on the raw response first, so a hijacked reply (an event stream) has them too. */
export function setDefaultSecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADER_ENTRIES) response.setHeader(name, value);
}

/**
 * A route that sends its own Content-Security-Policy (the dashboard) passes it through here, which adds
 * frame-ancestors when it is missing, so no page of this server can be framed by another site. Done
 * where the route builds its policy, not in an onSend hook every request would pass.
 */
export function withFrameAncestors(policy: string): string {
  if (/(^|;)\s*frame-ancestors\b/i.test(policy)) return policy;
  const trimmed = policy.trim().replace(/;\s*$/, '');
  return trimmed === '' ? FRAME_ANCESTORS : `${trimmed}; ${FRAME_ANCESTORS}`;
}

