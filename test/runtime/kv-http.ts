// Helpers of the key/value service tests: etcd-gateway requests over HTTP and a free port layout.

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  readonly json: unknown;
}

/** One HTTP request to a member's client port; throws on a network error or after `timeoutMs`. */
export async function call(
  port: number,
  method: string,
  path: string,
  body?: string | Uint8Array,
  timeoutMs = 5_000,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** POSTs a JSON request to an etcd gateway route. */
export function v3(port: number, route: string, request: unknown, timeoutMs = 5_000): Promise<HttpAnswer> {
  return call(port, 'POST', `/v3/kv/${route}`, JSON.stringify(request), timeoutMs);
}
