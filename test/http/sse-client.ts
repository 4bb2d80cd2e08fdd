export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  status: number;
  /** Waits until at least `count` messages (comments excluded) have arrived in total; returns them all. */
  until(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Waits until a message matches. */
  waitFor(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  messages: SseMessage[];
  comments: string[];
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource: fetch the stream and split it into messages the way the SSE spec does. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  // Held in an object so the reader loop and the waiters share the one current waker.
  const waker: { wake: (() => void) | null } = { wake: null };
  let failure: unknown = null;

  const parse = (block: string) => {
    const message: SseMessage = { data: '' };
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') message.id = value;
      else if (field === 'event') message.event = value;
      else if (field === 'data') data.push(value);
      else continue;
      any = true;
    }
    if (!any || data.length === 0) return;
    message.data = data.join('\n');
    messages.push(message);
  };

  let ended: Promise<void> = Promise.resolve();
  if (response.ok && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          waker.wake?.();
        }
      } catch (err) {
        if (!abort.signal.aborted) failure = err;
      }
      waker.wake?.();
    })();
  }

  const waitUntil = async (check: () => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (failure) throw failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        waker.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    status: response.status,
    messages,
    comments,
    ended,
    async until(count, timeoutMs = 10_000) {
      await waitUntil(() => messages.length >= count, `${count} messages`, timeoutMs);
      return messages.slice();
    },
    async waitFor(match, timeoutMs = 10_000) {
      await waitUntil(() => messages.some(match), 'a matching message', timeoutMs);
      return messages.find(match) as SseMessage;
    },
    close() {
      abort.abort();
    },
  };
}
