import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/**
 * node:http ↔ fetch: the SDK's HTTP entry speaks web `Request`/`Response`; Keyway speaks node:http.
 * The SDK's own Node adapter drags in Hono, so this is the small bridge instead (DESIGN.md).
 */

/** Headers that describe one hop, not the message; never forwarded into a `Request`. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export function toWebHeaders(headers: IncomingHttpHeaders, overrides: Readonly<Record<string, string>> = {}): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith(':')) continue;
    out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  for (const [name, value] of Object.entries(overrides)) out.set(name, value);
  return out;
}

/**
 * What the SDK's `Request` needs. There is no body: Keyway reads and parses it once and hands the
 * SDK the parsed body, so the SDK never reads the stream, and building one costs every request.
 */
export interface WebRequestInit {
  readonly method: string;
  /** Absolute URL built from the public URL and the request path. */
  readonly url: URL;
  readonly headers: Headers;
  /** Aborted when the client disconnects: in 2026-07-28 a dropped stream cancels the call. */
  readonly signal: AbortSignal;
}

export function toWebRequest(init: WebRequestInit): Request {
  return new Request(init.url, { method: init.method, headers: init.headers, signal: init.signal });
}

export interface WriteOptions {
  /** Written first on an SSE response, so proxies and clients see bytes at once. */
  readonly sseFirstComment?: boolean;
  /** Called once the body has been fully written or the client went away. */
  readonly onStreamOpen?: () => () => void;
}

const isEventStream = (response: Response): boolean =>
  (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');

function nodeHeaders(response: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/**
 * Writes `response` to `res`. A JSON (or empty) answer is complete when the SDK returns it, so it
 * goes out in one write with its length. An SSE answer streams chunk by chunk with the headers
 * flushed first, plus `X-Accel-Buffering: no` and `Cache-Control: no-cache` so nginx and CDNs pass
 * events through as they are sent. Resolves when the body is done or the client left.
 */
export async function writeWebResponse(res: ServerResponse, response: Response, options: WriteOptions = {}): Promise<void> {
  const headers = nodeHeaders(response);
  if (!isEventStream(response)) {
    const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(body?.length ?? 0);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  headers['cache-control'] = 'no-cache';
  headers['x-accel-buffering'] = 'no';
  res.writeHead(response.status, headers);
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  if (options.sseFirstComment === true) res.write(': stream open\n\n');
  const release = options.onStreamOpen?.();
  try {
    await pump(res, response.body);
  } finally {
    release?.();
  }
}

async function pump(res: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  const cancel = (): void => {
    reader.cancel().catch(() => undefined);
  };
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed || res.writableEnded) break;
      if (!res.write(value)) await drained(res);
    }
    if (!res.writableEnded) res.end();
  } catch {
    if (!res.writableEnded) res.end();
  } finally {
    res.off('close', cancel);
    cancel();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
