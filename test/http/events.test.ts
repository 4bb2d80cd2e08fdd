import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { boardEventsSubject } from '../../src/core/subjects.js';
import type { EventRow } from '../../src/core/types.js';
import { waitFor } from '../process/children.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { openSse } from './sse-client.js';
import type { SseMessage, SseStream } from './sse-client.js';

describe('GET /api/events (Server-Sent Events)', () => {
  let h: Harness;
  const streams: SseStream[] = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function connect(query = '', headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = await openSse(`${h.base}/api/events${query}`, { authorization: `Bearer ${h.tokens.viewer}`, ...headers });
    streams.push(stream);
    return stream;
  }

  const rowEvents = (messages: SseMessage[]) => messages.filter((m) => m.id !== undefined);

  async function createTasks(board: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const answer = await h.api('POST', '/api/tasks', { body: { title: `task ${i}`, board } });
      expect(answer.status).toBe(201);
    }
  }

  it('streams new event rows with id, event kind and the row as data', async () => {
    const stream = await connect('?board=live');
    expect(stream.status).toBe(200);
    await createTasks('live', 2);
    const stored = await h.store.listEvents({ board: 'live' });
    const messages = rowEvents(await stream.until(stored.length));
    expect(messages.map((m) => Number(m.id))).toEqual(stored.map((row) => row.id));
    const first = messages[0] as SseMessage;
    const row = JSON.parse(first.data) as EventRow;
    expect(first.event).toBe(row.kind);
    expect(row).toEqual(stored[0]);
  });

  it('only the named board is streamed', async () => {
    const stream = await connect('?board=mine');
    await createTasks('theirs', 1);
    await createTasks('mine', 1);
    const mine = await h.store.listEvents({ board: 'mine' });
    await stream.until(mine.length);
    expect(rowEvents(stream.messages).every((m) => (JSON.parse(m.data) as EventRow).board === 'mine')).toBe(true);
  });

  it('Last-Event-ID resumes after a disconnect with no gap and no duplicate', async () => {
    await createTasks('resume', 3);
    const all = await h.store.listEvents({ board: 'resume' });
    const resumeAfter = all[1] as EventRow;
    const first = await connect('?board=resume', { 'last-event-id': String(resumeAfter.id) });
    const expectedFirst = all.filter((row) => row.id > resumeAfter.id);
    expect(rowEvents(await first.until(expectedFirst.length)).map((m) => Number(m.id))).toEqual(expectedFirst.map((r) => r.id));
    const lastSeen = Number(rowEvents(first.messages).at(-1)?.id);
    first.close();

    await createTasks('resume', 2);
    const second = await connect('?board=resume', { 'last-event-id': String(lastSeen) });
    await createTasks('resume', 1);
    const expected = (await h.store.listEvents({ board: 'resume' })).filter((row) => row.id > lastSeen);
    const got = rowEvents(await second.until(expected.length));
    expect(got.map((m) => Number(m.id))).toEqual(expected.map((r) => r.id));
  });

  it('a client resuming while events are being written sees every row exactly once, in order', async () => {
    await createTasks('race', 5);
    const startAfter = (await h.store.listEvents({ board: 'race' }))[2]?.id as number;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 60; i++) await createTasks('race', 1);
    })();
    const stream = await connect(`?board=race&last_event_id=${startAfter}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writing = false;
    await writer;
    const expected = (await h.store.listEvents({ board: 'race' })).filter((row) => row.id > startAfter);
    const got = rowEvents(await stream.until(expected.length));
    expect(got.map((m) => Number(m.id))).toEqual(expected.map((r) => r.id));
  });

  it('registry changes go out as event: worker without an id', async () => {
    const stream = await connect('?board=none-at-all');
    const answer = await h.api('POST', '/api/heartbeats', { body: { name: 'collector', queue: 3 } });
    expect(answer.status).toBe(202);
    const message = await stream.waitFor((m) => m.event === 'worker');
    expect(message.id).toBeUndefined();
    expect(JSON.parse(message.data)).toMatchObject({ name: 'collector', status: 'ok', extra: { queue: 3 } });
  });

  it('a malformed resume point is 400; no token 401; a viewer may listen', async () => {
    const badHeader = await fetch(`${h.base}/api/events`, {
      headers: { authorization: `Bearer ${h.tokens.viewer}`, 'last-event-id': 'abc' },
    });
    expect(badHeader.status).toBe(400);
    expect(((await badHeader.json()) as { detail: string }).detail).toContain('Last-Event-ID');
    expect((await h.api('GET', '/api/events?last_event_id=-1')).status).toBe(400);
    expect((await h.api('GET', '/api/events?board=Not_A_Slug!')).status).toBe(400);
    expect((await h.api('GET', '/api/events', { token: null })).status).toBe(401);
  });

  it('disconnected clients are dropped from the feed', async () => {
    const metric = async () => {
      const text = (await h.api('GET', '/metrics', { token: null })).text;
      return Number(/^pulseboard_sse_clients (\d+)$/m.exec(text)?.[1]);
    };
    const stream = await connect();
    await waitFor(async () => (await metric()) >= 1, 'the client to be counted');
    stream.close();
    await waitFor(async () => (await metric()) === 0, 'the client to be dropped');
  });

  it('events committed by another server reach this server through the bus wake-up', async () => {
    const other = await startHarness({ dbPath: h.dbPath, bus: h.bus });
    // What the composition root does: each commit goes out on board.<board>.events.
    const unpublish = other.store.onCommit((rows) => {
      for (const row of rows) other.bus.publish(boardEventsSubject(row.board), row);
    });
    try {
      const stream = await connect('?board=elsewhere');
      const created = await other.api('POST', '/api/tasks', { body: { title: 'made on the other server', board: 'elsewhere' } });
      expect(created.status).toBe(201);
      const expected = await h.store.listEvents({ board: 'elsewhere' });
      expect(expected.length).toBeGreaterThan(0);
      const got = rowEvents(await stream.until(expected.length));
      expect(got.map((m) => Number(m.id))).toEqual(expected.map((r) => r.id));
    } finally {
      unpublish();
      await other.close();
    }
  });

  it('closing the server ends open streams', async () => {
    const other = await startHarness();
    const stream = await openSse(`${other.base}/api/events`, { authorization: `Bearer ${other.tokens.viewer}` });
    streams.push(stream);
    await stream.until(0);
    let ended = false;
    void stream.ended.then(() => {
      ended = true;
    });
    await other.close();
    await waitFor(() => ended, 'the stream to end');
  });
});
