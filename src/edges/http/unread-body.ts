import type { IncomingMessage } from 'node:http';

/**
 * An error answered before the body was read (413 on Content-Length, 401, 415) would otherwise close
 * a socket that still holds unread bytes: the kernel resets it and the client sees EPIPE or
 * ECONNRESET instead of the answer. Reading the rest first lets every client see its 4xx. Bounded:
 * beyond `limitBytes` the connection is given up (the request timeout bounds the time).
 */
export function discardUnreadBody(request: IncomingMessage, limitBytes: number): Promise<'read' | 'too_much'> {
  if (request.complete || request.destroyed || request.readableEnded) return Promise.resolve('read');
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (how: 'read' | 'too_much') => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onEnd);
      request.off('error', onEnd);
      resolve(how);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limitBytes) {
        request.pause();
        finish('too_much');
      }
    };
    const onEnd = () => finish('read');
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onEnd);
    request.once('error', onEnd);
    request.resume();
  });
}
