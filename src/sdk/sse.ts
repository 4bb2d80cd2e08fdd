/** One Server-Sent Event as the stream framed it. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream body into messages (WHATWG framing: blank line ends a message, ':' lines
 * are comments). `onData` is told of every chunk read, keep-alive comments included, so a caller can
 * tell a quiet stream from a dead one.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, onData?: () => void): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | null = null;
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body) {
    onData?.();
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { id, event, data: data.join('\n') };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  }
}
