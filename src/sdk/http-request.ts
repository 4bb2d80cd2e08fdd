import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One request with node:http on the default keep-alive agent, its answer read whole as text. Used for
 * the API's JSON calls instead of fetch: a worker makes one call per task, and fetch's web streams
 * cost more CPU per call than the server spends answering it. Rejects on a socket error, the
 * timeout, or the signal, with the request torn down.
 */
export function httpRequest(req: HttpRequest): Promise<HttpAnswer> {
  const transport = req.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) return reject(req.signal.reason);
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const request = transport.request(req.url, { method: req.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        done();
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', fail);
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    const onAbort = () => request.destroy(req.signal?.reason instanceof Error ? req.signal.reason : new Error('aborted'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    function done(): void {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
    function fail(err: Error): void {
      done();
      reject(err);
    }
    request.on('error', fail);
    request.end(req.body);
  });
}
