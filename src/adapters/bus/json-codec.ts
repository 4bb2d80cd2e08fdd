/**
 * Bus payloads are JSON values. Every adapter sends them through text, so a subscriber never shares
 * an object with the publisher and the in-process bus behaves exactly like NATS does.
 */
export function encodeJson(data: unknown): string {
  // JSON.stringify(undefined) is undefined, not text: a handler that returns nothing replies null.
  return JSON.stringify(data) ?? 'null';
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
