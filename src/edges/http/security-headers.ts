import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

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
 * A route that sends its own Content-Security-Policy (the dashboard) keeps it; only a missing
 * frame-ancestors directive is added, so no page of this server can be framed by another site.
 */
export function withFrameAncestors(policy: string): string {
  if (/(^|;)\s*frame-ancestors\b/i.test(policy)) return policy;
  const trimmed = policy.trim().replace(/;\s*$/, '');
  return trimmed === '' ? FRAME_ANCESTORS : `${trimmed}; ${FRAME_ANCESTORS}`;
}

/** The defaults already sit on the raw response; only a route's own policy needs completing. */
export function completeSecurityHeaders(reply: FastifyReply): void {
  const policy = reply.getHeader('content-security-policy');
  if (policy !== undefined) reply.header('content-security-policy', withFrameAncestors(String(policy)));
}
