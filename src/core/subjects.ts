/**
 * Bus subjects, NATS style: dot-separated tokens; in a pattern `*` matches exactly one token and `>`
 * (last token only) one or more trailing tokens.
 */

export class InvalidSubjectError extends Error {
  override readonly name = 'InvalidSubjectError';
}

const FORBIDDEN_IN_TOKEN = /[.*>\s]/;
const FORBIDDEN_IN_TOKEN_GLOBAL = /[.*>\s]/g;

export function isValidToken(token: string): boolean {
  return token.length > 0 && !FORBIDDEN_IN_TOKEN.test(token);
}

export function assertToken(token: string): string {
  if (token.length === 0) throw new InvalidSubjectError('subject token must not be empty');
  if (FORBIDDEN_IN_TOKEN.test(token)) {
    throw new InvalidSubjectError(
      `subject token ${JSON.stringify(token)} must not contain '.', '*', '>' or white space`,
    );
  }
  return token;
}

/** A concrete subject (what is published or requested): valid tokens, no wildcards. */
export function assertSubject(subject: string): string {
  for (const token of subject.split('.')) assertToken(token);
  return subject;
}

/** A subscription pattern: valid tokens, `*` anywhere as a whole token, `>` only as the last token. */
export function assertPattern(pattern: string): string {
  const tokens = pattern.split('.');
  tokens.forEach((token, index) => {
    if (token === '*') return;
    if (token === '>') {
      if (index === tokens.length - 1) return;
      throw new InvalidSubjectError(`'>' may only be the last token of pattern ${JSON.stringify(pattern)}`);
    }
    assertToken(token);
  });
  return pattern;
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i++) {
    const wanted = patternTokens[i];
    const actual = subjectTokens[i];
    if (wanted === '>') return i === patternTokens.length - 1 && subjectTokens.length > i && actual !== '';
    if (actual === undefined || actual === '') return false;
    if (wanted !== '*' && wanted !== actual) return false;
  }
  return patternTokens.length === subjectTokens.length;
}

/**
 * Host names legitimately hold dots ("box.local"); they are mapped onto one token so a host agent
 * can subscribe to its own subjects. The mapping is deterministic, so both sides agree on it.
 */
export function hostToken(host: string): string {
  const token = host.replace(FORBIDDEN_IN_TOKEN_GLOBAL, '_');
  if (token.length === 0) throw new InvalidSubjectError('host name must not be empty');
  return token;
}

export function healthSubject(name: string): string {
  return `system.${assertToken(name)}.health`;
}

export function controlSubject(name: string): string {
  return `system.${assertToken(name)}.control`;
}

export function boardEventsSubject(board: string): string {
  return `board.${assertToken(board)}.events`;
}

export function hostInspectSubject(host: string): string {
  return `host.${hostToken(host)}.inspect`;
}

export function hostSignalSubject(host: string): string {
  return `host.${hostToken(host)}.signal`;
}

/** Every worker's health beat: what the registry listens to. */
export const ALL_HEALTH_SUBJECTS = 'system.*.health';

/** The worker name of a `system.<name>.health` subject, or null for any other subject. */
export function workerNameOfHealthSubject(subject: string): string | null {
  const tokens = subject.split('.');
  if (tokens.length !== 3 || tokens[0] !== 'system' || tokens[2] !== 'health') return null;
  const name = tokens[1];
  return name !== undefined && isValidToken(name) ? name : null;
}
