import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, startHarness } from '../http/harness.js';
import type { Harness } from '../http/harness.js';

const API_DOC = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

/** `/api/runs/{id}` as docs/API.md writes it: `/api/runs/:id`. */
function asDocPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

/** The headings and table rows that name a route: "GET /api/runs/:id". */
function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  for (const match of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)/g)) routes.add(`${match[1]} ${match[2]}`);
  return routes;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('docs/API.md', () => {
  it('documents every route of the OpenAPI document, and no route the server does not have', async () => {
    const doc = bodyOf<{ paths: Record<string, Record<string, unknown>> }>(await h.api('GET', '/openapi.json', { token: null }));
    const served = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) served.add(`${method.toUpperCase()} ${asDocPath(path)}`);
      }
    }
    expect(served.size).toBeGreaterThan(10);
    const documented = documentedRoutes(API_DOC);
    expect([...served].filter((route) => !documented.has(route)).sort(), 'routes missing from docs/API.md').toEqual([]);
    expect([...documented].filter((route) => !served.has(route)).sort(), 'routes in docs/API.md the server does not serve').toEqual([]);
  });
});
