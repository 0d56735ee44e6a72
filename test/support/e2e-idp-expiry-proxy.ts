import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { listenOnLoopback } from './http-app.js';

/**
 * A loopback reverse proxy in front of an OAuth server's web origin (the fake GitHub) that makes the
 * tokens of the sign-in itself about to expire: the `expires_in` of the authorization-code
 * exchange's JSON answer becomes `expiresInSeconds`; everything else, refresh answers included,
 * passes unchanged. Keyway runs on the system clock, which a test cannot move, so this is how an
 * end-to-end test gets a user whose upstream token is inside Keyway's refresh window without
 * sleeping for hours.
 */
export interface ExpiryProxy {
  /** Give this to Keyway as the provider's web base URL. */
  readonly origin: string;
  /** How many code-exchange answers were shortened. */
  readonly shortened: () => number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forwardable(headers: IncomingMessage['headers'] | Headers): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]);
  return Object.fromEntries(entries.filter(([name]) => !HOP_BY_HOP.has(String(name).toLowerCase()))) as Record<string, string>;
}

/** The answer to a code exchange, with `expires_in` replaced; any other answer unchanged. */
function shorten(request: Buffer, answer: string, contentType: string, expiresIn: number): string | undefined {
  if (new URLSearchParams(request.toString('utf8')).get('grant_type') !== 'authorization_code' || !contentType.includes('json')) return undefined;
  const body = JSON.parse(answer) as Record<string, unknown>;
  if (typeof body['expires_in'] !== 'number') return undefined;
  return JSON.stringify({ ...body, expires_in: expiresIn });
}

export async function startExpiryProxy(t: TestContext, target: string, expiresInSeconds: number): Promise<ExpiryProxy> {
  let shortened = 0;
  const relay = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await bodyOf(req);
    const method = req.method ?? 'GET';
    const upstream = await fetch(new URL(req.url ?? '/', target), {
      method,
      headers: forwardable(req.headers),
      redirect: 'manual',
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
    const answer = await upstream.text();
    const rewritten = new URL(req.url ?? '/', target).pathname === '/login/oauth/access_token' ? shorten(body, answer, upstream.headers.get('content-type') ?? '', expiresInSeconds) : undefined;
    if (rewritten !== undefined) shortened += 1;
    res.writeHead(upstream.status, forwardable(upstream.headers));
    res.end(rewritten ?? answer);
  };
  const server = createServer((req, res) => {
    relay(req, res).catch(() => res.writeHead(502).end());
  });
  return { origin: await listenOnLoopback(t, server), shortened: () => shortened };
}
