import { describe, expect, it } from 'vitest';
import {
  assertPattern,
  assertSubject,
  assertToken,
  boardEventsSubject,
  controlSubject,
  healthSubject,
  hostInspectSubject,
  hostSignalSubject,
  InvalidSubjectError,
  subjectMatches,
  workerNameOfHealthSubject,
} from '../../src/core/subjects.js';

describe('assertToken', () => {
  it('accepts ordinary tokens and returns them', () => {
    expect(assertToken('collector')).toBe('collector');
    expect(assertToken('agent-7_b')).toBe('agent-7_b');
  });

  it.each(['', 'a.b', 'a*', '>', 'a b', 'tab\there', 'new\nline'])('rejects %j', (token) => {
    expect(() => assertToken(token)).toThrow(InvalidSubjectError);
  });

  it('says what is wrong', () => {
    expect(() => assertToken('')).toThrow(/must not be empty/);
    expect(() => assertToken('a.b')).toThrow(/"a\.b".*must not contain/);
    try {
      assertToken('x y');
    } catch (error) {
      expect((error as Error).name).toBe('InvalidSubjectError');
    }
  });
});

describe('subject builders', () => {
  it('build the subjects of the contract', () => {
    expect(healthSubject('collector')).toBe('system.collector.health');
    expect(controlSubject('collector')).toBe('system.collector.control');
    expect(boardEventsSubject('default')).toBe('board.default.events');
    expect(hostInspectSubject('box1')).toBe('host.box1.inspect');
    expect(hostSignalSubject('box1')).toBe('host.box1.signal');
  });

  it('reject worker names and boards that are not tokens', () => {
    expect(() => healthSubject('a.b')).toThrow(InvalidSubjectError);
    expect(() => controlSubject('*')).toThrow(InvalidSubjectError);
    expect(() => healthSubject('')).toThrow(InvalidSubjectError);
    expect(() => boardEventsSubject('my board')).toThrow(InvalidSubjectError);
  });

  it('turn a dotted host name into one token, the same way every time', () => {
    expect(hostInspectSubject('box.local')).toBe('host.box_local.inspect');
    expect(hostSignalSubject('box.local')).toBe('host.box_local.signal');
    expect(hostInspectSubject('we*ird >host')).toBe('host.we_ird__host.inspect');
    expect(() => assertSubject(hostInspectSubject('a.b.c'))).not.toThrow();
    expect(() => hostInspectSubject('')).toThrow(InvalidSubjectError);
  });

  it('read the worker name back from a health subject', () => {
    expect(workerNameOfHealthSubject('system.collector.health')).toBe('collector');
    expect(workerNameOfHealthSubject('system.collector.control')).toBeNull();
    expect(workerNameOfHealthSubject('system.a.b.health')).toBeNull();
    expect(workerNameOfHealthSubject('other.collector.health')).toBeNull();
  });
});

describe('assertSubject and assertPattern', () => {
  it('a subject holds no wildcard and no empty token', () => {
    expect(assertSubject('a.b.c')).toBe('a.b.c');
    for (const bad of ['a.*', 'a.>', 'a..b', '.a', 'a.', '']) {
      expect(() => assertSubject(bad), bad).toThrow(InvalidSubjectError);
    }
  });

  it('a pattern allows * anywhere and > only last', () => {
    expect(assertPattern('*.b.>')).toBe('*.b.>');
    expect(assertPattern('>')).toBe('>');
    expect(() => assertPattern('a.>.b')).toThrow(/only be the last token/);
    expect(() => assertPattern('a.b*')).toThrow(InvalidSubjectError);
    expect(() => assertPattern('a..b')).toThrow(InvalidSubjectError);
  });
});

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.c', false],
    ['a.*.c', 'a.b.x.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['>', 'a.b.c', true],
    ['*.>', 'a', false],
    ['*.>', 'a.b', true],
    ['system.*.health', 'system.collector.health', true],
    ['system.*.health', 'system.collector.control', false],
    ['a.*', 'a.', false],
    ['a.>', 'a.', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});
