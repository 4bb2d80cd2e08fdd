import type { ServerResponse } from 'node:http';
import type { RegistryRow } from '../../core/registry-status.js';
import type { EventRow } from '../../core/types.js';

/** A client that lets this much pile up unread is dropped; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Writes Server-Sent Events to one response. Ids are event row ids, so a reconnect resumes exactly. */
export class SseWriter {
  private closed = false;

  constructor(private readonly response: ServerResponse) {}

  open(): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.write('retry: 2000\n\n');
  }

  event(row: EventRow): void {
    this.write(`id: ${row.id}\nevent: ${oneLine(row.kind)}\ndata: ${JSON.stringify(row)}\n\n`);
  }

  /** Registry changes carry no id: they are a live view, not part of the log a client resumes. */
  worker(row: RegistryRow): void {
    this.write(`event: worker\ndata: ${JSON.stringify(row)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${oneLine(text)}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }

  get isClosed(): boolean {
    return this.closed || this.response.destroyed;
  }

  private write(chunk: string): void {
    if (this.isClosed) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.closed = true;
      this.response.destroy();
      return;
    }
    this.response.write(chunk);
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
