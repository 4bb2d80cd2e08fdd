import { STREAM_SILENCE_MS } from '../core/stream-keep-alive.js';

/** One Server-Sent Event as the stream framed it. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** An event stream that sent nothing, not even a keep-alive comment, within the silence limit. */
export class StreamSilentError extends Error {
  constructor(silenceMs: number) {
    super(`nothing read for ${silenceMs / 1000} s, not even a keep-alive`);
    this.name = 'StreamSilentError';
  }
}

/**
 * The messages of a text/event-stream body (WHATWG framing: blank line ends a message, ':' lines are
 * comments). A read that waits longer than `silenceMs` cancels the body and throws StreamSilentError:
 * a connection can die without a word, and the read would wait for ever (a process with nothing else
 * to wait for would even exit). Only the wait for the server counts, not the caller's time with a
 * message. Leaving the loop early cancels the body.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, silenceMs: number = STREAM_SILENCE_MS): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  for await (const chunk of chunksOf(body, silenceMs)) yield* parser.push(chunk);
}

async function* chunksOf(body: ReadableStream<Uint8Array>, silenceMs: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      let silent = false;
      const timer = setTimeout(() => {
        silent = true;
        void reader.cancel().catch(() => undefined);
      }, silenceMs);
      const next = await reader.read().finally(() => clearTimeout(timer));
      if (silent) throw new StreamSilentError(silenceMs);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}

class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private id: string | null = null;
  private event = 'message';
  private data: string[] = [];

  /** The messages that `chunk` completes. */
  push(chunk: Uint8Array): SseMessage[] {
    const messages: SseMessage[] = [];
    this.buffer += this.decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0) messages.push({ id: this.id, event: this.event, data: this.data.join('\n') });
        this.event = 'message';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return messages;
  }
}
