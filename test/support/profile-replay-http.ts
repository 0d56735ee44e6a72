import assert from 'node:assert/strict';
import type { ClientProfile } from '../../src/domain/client-profiles/index.js';
import type { UpstreamLogin } from './oauth-flow.js';

/**
 * The HTTP layer of a profile replay: every request goes out with the profile's headers (and, for
 * a browser client, its `Origin` after a CORS preflight), and lands in a transcript the tests can
 * read (`POST /register → 201`).
 */
export interface ReplayTarget {
  /** The public origin, as the user typed it (`https://localhost:<port>`); the issuer too. */
  readonly origin: string;
  /** A fetch that trusts the proxy's certificate. */
  readonly fetch: typeof fetch;
  /** The person at the identity provider (the fake GitHub): returns Keyway's callback URL. */
  readonly upstream: UpstreamLogin;
  readonly userName?: string;
  /** The path the user pasted: `/mcp` (default) or `/sse`. */
  readonly path?: '/mcp' | '/sse';
  /** Keyway runs with `KEYWAY_MCP_SESSIONS=on`: 2025-era opens must get a session id. */
  readonly sessions: boolean;
}

export type Phase = 'discovery' | 'registration' | 'token' | 'mcp';

export interface Send {
  readonly method?: string;
  readonly phase: Phase;
  readonly headers?: Record<string, string | null | undefined>;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
}

export interface Http {
  readonly profile: ClientProfile;
  readonly target: ReplayTarget;
  readonly transcript: string[];
  /** One request as the client sends it; a browser client preflights first where it must. */
  send(url: string, init: Send): Promise<Response>;
}

const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Header names the browser counts as non-simple, so they trigger a CORS preflight (Fetch standard). */
function nonSimpleHeaders(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name, value]) => !['accept', 'user-agent', 'origin'].includes(name) && !(name === 'content-type' && SIMPLE_CONTENT_TYPES.has(value)))
    .map(([name]) => name)
    .sort();
}

function listed(header: string | null): string[] {
  return (header ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
}

/** What the browser checks on a preflight answer before it sends the real request. */
async function preflight(http: Http, url: string, method: string, headers: Record<string, string>): Promise<void> {
  const browser = http.profile.browser;
  if (browser === undefined) return;
  const asked = nonSimpleHeaders(headers);
  if (method === 'GET' && asked.length === 0) return;
  const response = await http.target.fetch(url, {
    method: 'OPTIONS',
    headers: { origin: browser.origin, 'access-control-request-method': method, ...(asked.length === 0 ? {} : { 'access-control-request-headers': asked.join(',') }) },
  });
  await response.body?.cancel();
  http.transcript.push(`OPTIONS ${new URL(url).pathname} → ${response.status}`);
  assert.ok(response.status >= 200 && response.status < 300, `preflight of ${method} ${url} answered ${response.status}`);
  assert.equal(response.headers.get('access-control-allow-origin'), browser.origin, `preflight of ${url}: Access-Control-Allow-Origin`);
  const methods = listed(response.headers.get('access-control-allow-methods'));
  assert.ok(methods.includes(method.toLowerCase()) || methods.includes('*'), `preflight of ${url} does not allow ${method}: ${methods.join(',')}`);
  const allowed = listed(response.headers.get('access-control-allow-headers'));
  for (const name of asked) assert.ok(allowed.includes(name) || allowed.includes('*'), `preflight of ${url} does not allow ${name}: ${allowed.join(',')}`);
}

/** What the browser checks on the real answer: the page may read it, and the headers it needs. */
function checkCors(http: Http, url: string, response: Response): void {
  const browser = http.profile.browser;
  if (browser === undefined) return;
  assert.equal(response.headers.get('access-control-allow-origin'), browser.origin, `${url}: the page cannot read the answer`);
  const exposed = listed(response.headers.get('access-control-expose-headers'));
  for (const name of browser.readsHeaders) {
    if (response.headers.has(name)) assert.ok(exposed.includes(name) || exposed.includes('*'), `${url}: ${name} is not exposed to the page (${exposed.join(',')})`);
  }
}

function headersFor(profile: ClientProfile, init: Send): Record<string, string> {
  const headers: Record<string, string> = {};
  // `null` in a profile means the header is absent; fetch still adds its own User-Agent then.
  const agent = profile.userAgents[init.phase];
  if (agent !== null) headers['user-agent'] = agent;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  for (const [name, value] of Object.entries(init.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  return headers;
}

export function createHttp(profile: ClientProfile, target: ReplayTarget): Http {
  const http: Http = {
    profile,
    target,
    transcript: [],
    async send(url, init) {
      const method = init.method ?? (init.json === undefined && init.form === undefined ? 'GET' : 'POST');
      const headers = headersFor(profile, init);
      const cors = profile.browser !== undefined && profile.browser.paths.includes(new URL(url).pathname);
      if (cors) await preflight(http, url, method, headers);
      const body = init.json !== undefined ? JSON.stringify(init.json) : init.form !== undefined ? new URLSearchParams(init.form).toString() : undefined;
      const response = await target.fetch(url, {
        method,
        headers: cors && profile.browser !== undefined ? { ...headers, origin: profile.browser.origin } : headers,
        redirect: 'manual',
        ...(body === undefined ? {} : { body }),
      });
      http.transcript.push(`${method} ${new URL(url).pathname} → ${response.status}`);
      if (cors) checkCors(http, url, response);
      return response;
    },
  };
  return http;
}

/** The JSON object of an answer with `status`, which the client parses as JSON only if it says so. */
export async function jsonOf(response: Response, what: string, status: number): Promise<Record<string, unknown>> {
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  assert.equal(response.status, status, `${what} answered ${response.status}: ${text.slice(0, 300)}`);
  assert.match(type, /^application\/json/, `${what} is served as ${type}: ${text.slice(0, 200)}`);
  const json: unknown = JSON.parse(text);
  assert.ok(typeof json === 'object' && json !== null && !Array.isArray(json), `${what} is not a JSON object`);
  return json as Record<string, unknown>;
}

/** JSON-RPC messages of a 200 Streamable HTTP answer: one JSON body, or the `data:` of SSE events. */
export async function rpcMessages(response: Response, what: string): Promise<Array<Record<string, unknown>>> {
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  assert.equal(response.status, 200, `${what} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  if (type.startsWith('application/json')) {
    const json = JSON.parse(text) as unknown;
    return (Array.isArray(json) ? json : [json]) as Array<Record<string, unknown>>;
  }
  assert.match(type, /^text\/event-stream/, `${what}: an MCP answer served as ${type}: ${text.slice(0, 200)}`);
  return text
    .split(/\r?\n\r?\n/)
    .map((event) => event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}
