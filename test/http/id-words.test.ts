import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** A malformed id is explained in words, whatever route and part of the request it is in. */
describe('malformed ids answer 400 in words, not with a regular expression', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ known: ['collector'] });
  });
  afterAll(async () => {
    await h.close();
  });

  const cases: [string, string, unknown, string][] = [
    ['GET', '/api/tasks/nope', undefined, 'params.id: "nope" is not a task id (expected t_ and 8 hex digits)'],
    ['PATCH', '/api/tasks/T_0000000G', { title: 'x' }, 'params.id: "T_0000000G" is not a task id (expected t_ and 8 hex digits)'],
    ['POST', '/api/tasks/t_1/comments', { body: 'x' }, 'params.id: "t_1" is not a task id (expected t_ and 8 hex digits)'],
    ['GET', '/api/runs/0x1', undefined, 'params.id: "0x1" is not a run id (expected a positive integer)'],
    ['POST', '/api/runs/-4/terminate', {}, 'params.id: "-4" is not a run id (expected a positive integer)'],
    ['GET', '/api/runs/abc/log/stream', undefined, 'params.id: "abc" is not a run id (expected a positive integer)'],
    ['POST', '/api/tasks', { title: 'x', parents: ['t_zz'] }, 'body.parents.0: "t_zz" is not a task id (expected t_ and 8 hex digits)'],
    ['GET', '/api/tasks?board=Big%20Board', undefined, 'querystring.board: "Big Board" is not a board name (expected up to 64 lower-case letters, digits, _ or -, starting with a letter or digit)'],
    ['POST', '/api/workers/a.b/stop', {}, 'params.name: "a.b" is not a worker or profile name (expected up to 64 letters, digits, _ or -, starting with a letter or digit)'],
  ];

  it.each(cases)('%s %s', async (method, path, body, detail) => {
    const answer = await h.api(method, path, { token: h.tokens.admin, ...(body === undefined ? {} : { body }) });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toEqual({ detail });
  });
});
