import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertPattern,
  assertSubject,
  healthSubject,
  hostToken,
  InvalidSubjectError,
  isValidToken,
  subjectMatches,
  workerNameOfHealthSubject,
} from '../../src/core/subjects.js';
import { fuzzParameters } from './fuzz-settings.js';

const token = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const tokens = fc.array(token, { minLength: 1, maxLength: 5 });
/** Subjects and patterns from a small alphabet, so matches are frequent. */
const smallToken = fc.constantFrom('a', 'b', 'c');

/** The NATS rule, written out token by token as a reference. */
function referenceMatch(pattern: string[], subject: string[]): boolean {
  if (pattern.length === 0) return subject.length === 0;
  const [head, ...rest] = pattern;
  if (head === '>') return rest.length === 0 && subject.length >= 1;
  if (subject.length === 0) return false;
  return (head === '*' || head === subject[0]) && referenceMatch(rest, subject.slice(1));
}

describe('subject parser, property-based', () => {
  it('assertSubject and assertPattern either accept the text unchanged or throw InvalidSubjectError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        for (const check of [assertSubject, assertPattern]) {
          try {
            expect(check(text)).toBe(text);
            if (check === assertSubject) expect(text.split('.').every(isValidToken)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidSubjectError);
          }
        }
      }),
      fuzzParameters(2000),
    );
  });

  it('subjectMatches agrees with the reference rule for every pattern and subject', () => {
    const patternToken = fc.oneof(smallToken, fc.constant('*'), fc.constant('>'));
    fc.assert(
      fc.property(fc.array(patternToken, { minLength: 1, maxLength: 4 }), fc.array(smallToken, { minLength: 1, maxLength: 4 }), (pattern, subject) => {
        const text = pattern.join('.');
        let valid = true;
        try {
          assertPattern(text);
        } catch {
          valid = false;
        }
        fc.pre(valid);
        expect(subjectMatches(text, subject.join('.'))).toBe(referenceMatch(pattern, subject));
      }),
      fuzzParameters(3000),
    );
  });

  it('a subject matches itself, its * forms and its > prefixes', () => {
    fc.assert(
      fc.property(tokens, fc.nat(), (parts, at) => {
        const subject = parts.join('.');
        expect(subjectMatches(subject, subject)).toBe(true);
        const i = at % parts.length;
        const starred = parts.map((p, j) => (j === i ? '*' : p)).join('.');
        expect(subjectMatches(starred, subject)).toBe(true);
        if (i > 0) expect(subjectMatches([...parts.slice(0, i), '>'].join('.'), subject)).toBe(true);
        expect(subjectMatches(`${subject}.>`, subject)).toBe(false);
      }),
      fuzzParameters(1000),
    );
  });

  it('hostToken always gives one valid token; health subjects name their worker back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), token, (host, name) => {
        expect(isValidToken(hostToken(host))).toBe(true);
        expect(workerNameOfHealthSubject(healthSubject(name))).toBe(name);
      }),
      fuzzParameters(1000),
    );
  });
});
