/**
 * A miniature MCP server with its own authorization server, as a pure function from request to
 * answer, so the same server (healthy, or broken in one way CLIENTS.md reports) can sit behind
 * the fake probe (domain tests) and behind a real node:http listener (adapter tests).
 */
export interface WorldRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface WorldEvent {
  readonly name: string;
  readonly data: string;
}

/** Events for a stream that is already open: a legacy session's responses to its POSTs. */
export interface WorldChannel {
  push(event: WorldEvent): void;
  /** Hands `listener` the events pushed so far, then each one as it is pushed; returns the unsubscribe. */
  listen(listener: (event: WorldEvent) => void): () => void;
}

export function createChannel(): WorldChannel {
  const waiting: WorldEvent[] = [];
  let deliver: ((event: WorldEvent) => void) | undefined;
  return {
    push: (event) => (deliver === undefined ? waiting.push(event) : deliver(event)),
    listen: (listener) => {
      deliver = listener;
      for (const event of waiting.splice(0)) listener(event);
      return () => (deliver = undefined);
    },
  };
}

export interface WorldStream {
  readonly events: readonly WorldEvent[];
  /** Events pushed after the stream opened (a legacy session's channel). */
  readonly channel?: WorldChannel;
  /** A `:` comment this often after the events (real listener) — the fake reports one at this offset. */
  readonly heartbeatMs: number;
  /** A buffering proxy: headers go out, the events never do while the client watches. */
  readonly buffered?: boolean;
}

export interface WorldAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly stream?: WorldStream;
}

export type World = (request: WorldRequest) => WorldAnswer;

/** Replaces one route of the healthy world; `healthy` answers as the healthy world would. */
export type Breakage = (request: WorldRequest, healthy: World) => WorldAnswer;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): WorldAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
export const GOOD_REFRESH = 'rt-good';

function rpc(request: WorldRequest): WorldAnswer {
  const message = JSON.parse(request.body) as { id?: number; method: string; params?: { protocolVersion?: string } };
  if (message.id === undefined) return { status: 202 };
  const result = (value: unknown): WorldAnswer => json(200, { jsonrpc: '2.0', id: message.id, result: value });
  switch (message.method) {
    case 'initialize':
      return result({ protocolVersion: message.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'world', version: '1' } });
    case 'server/discover':
      return result({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'world', version: '1' } });
    case 'tools/list':
      return result({
        tools: [
          { name: 'delete_everything', inputSchema: { type: 'object' } },
          { name: 'whoami', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
        ],
      });
    case 'tools/call':
      return result({ content: [{ type: 'text', text: 'alice' }] });
    default:
      return result({});
  }
}

const unauthorized = (request: WorldRequest): boolean => request.headers['authorization'] === undefined || request.headers['authorization'] === '';

/** Legacy HTTP+SSE sessions (2024-11-05): each GET stream is one, its responses pushed onto it. */
type LegacySessions = Map<string, WorldChannel>;

function legacyStream(sessions: LegacySessions): WorldAnswer {
  const id = `s${sessions.size + 1}`;
  const channel = createChannel();
  sessions.set(id, channel);
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, stream: { events: [{ name: 'endpoint', data: `/messages?sessionId=${id}` }], heartbeatMs: 20, channel } };
}

function mcp(origin: string, request: WorldRequest, sessions: LegacySessions): WorldAnswer {
  if (unauthorized(request)) {
    return { status: 401, headers: { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="mcp"` } };
  }
  if (request.method === 'POST') return rpc(request);
  if (request.headers['mcp-protocol-version'] !== undefined) return { status: 405, headers: { allow: 'POST' } };
  return legacyStream(sessions);
}

/** `POST /messages?sessionId=…`: 202 at once, the response (for a request) as a `message` event on the session's stream. */
function messages(origin: string, request: WorldRequest, sessions: LegacySessions): WorldAnswer {
  if (unauthorized(request)) return { status: 401 };
  const channel = sessions.get(new URL(request.path, origin).searchParams.get('sessionId') ?? '');
  if (channel === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'unknown session' };
  const answer = rpc(request);
  if (answer.body !== undefined) channel.push({ name: 'message', data: answer.body });
  return { status: 202 };
}

function token(request: WorldRequest): WorldAnswer {
  const form = new URLSearchParams(request.body);
  if (form.get('grant_type') === 'refresh_token' && !(form.get('refresh_token') ?? '').startsWith('rt-')) {
    return json(400, { error: 'invalid_grant', error_description: 'unknown refresh token' });
  }
  return json(200, { access_token: 'at-next', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-next' });
}

function authorize(origin: string, request: WorldRequest): WorldAnswer {
  const query = new URL(request.path, origin).searchParams;
  if (query.get('redirect_uri') !== CLAUDE_CALLBACK) return { status: 400, headers: { 'content-type': 'text/html' }, body: '<p>unknown redirect_uri</p>' };
  return { status: 200, headers: { 'content-type': 'text/html' }, body: '<form>consent</form>' };
}

export function healthyWorld(origin: string): World {
  // Revocation ends the grant, and with it the access token (RFC 7009 §2.1).
  let revoked = false;
  const sessions: LegacySessions = new Map();
  return (request) => {
    const path = new URL(request.path, origin).pathname;
    switch (`${request.method} ${path}`) {
      case 'POST /mcp':
      case 'GET /mcp':
        return mcp(origin, revoked ? { ...request, headers: { ...request.headers, authorization: '' } } : request, sessions);
      case 'POST /messages':
        return messages(origin, request, sessions);
      case 'GET /.well-known/oauth-protected-resource/mcp':
        return json(200, { resource: `${origin}/mcp`, authorization_servers: [origin], scopes_supported: ['mcp'] });
      case 'GET /.well-known/oauth-protected-resource':
        return json(200, { resource: origin, authorization_servers: [origin] });
      case 'GET /.well-known/oauth-authorization-server':
        return json(200, {
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          registration_endpoint: `${origin}/register`,
          revocation_endpoint: `${origin}/revoke`,
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
          client_id_metadata_document_supported: true,
          authorization_response_iss_parameter_supported: true,
        });
      case 'POST /register':
        return json(201, { client_id: 'c-1', client_secret: 'secret-secret-secret', token_endpoint_auth_method: 'client_secret_post', redirect_uris: [CLAUDE_CALLBACK], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
      case 'GET /authorize':
        return authorize(origin, request);
      case 'POST /token':
        return token(request);
      case 'POST /revoke':
        revoked = true;
        return { status: 200 };
      default:
        return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
    }
  };
}

/** The healthy world with `breakage` in front: it sees every request first. */
export function brokenWorld(origin: string, breakage: Breakage): World {
  const healthy = healthyWorld(origin);
  return (request) => breakage(request, healthy);
}

export const pathOf = (request: WorldRequest): string => request.path.split('?')[0] ?? '';

export const rpcMethod = (request: WorldRequest): string | undefined => {
  try {
    return (JSON.parse(request.body) as { method?: string }).method;
  } catch {
    return undefined;
  }
};

export { json as jsonAnswer };
