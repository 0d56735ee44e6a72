import type { StepId, Verdict } from '../../../src/domain/doctor/report.js';
import { CIMD_REJECTED, LEGACY_BROKEN, LEGACY_ONLY } from './legacy-servers.js';
import { GOOD_REFRESH, jsonAnswer, pathOf, rpcMethod, type Breakage, type WorldAnswer, type WorldRequest } from './world.js';

/**
 * One server per real failure CLIENTS.md reports, each the healthy world broken in exactly that
 * one way, with the step the doctor must stop at and words its cause and fix must contain.
 */
export interface BrokenServer {
  readonly name: string;
  /** What the person pastes after the origin (`''`: the bare origin). */
  readonly path: '/mcp' | '';
  readonly breakage: Breakage;
  /** Run with a token (and a refresh token): the failure is past sign-in. */
  readonly withToken: boolean;
  readonly step: StepId;
  readonly cause: RegExp;
  readonly fix: RegExp;
}

const authorized = (request: WorldRequest): boolean => request.headers['authorization'] !== undefined;

const wellKnownResource = (request: WorldRequest): boolean => pathOf(request).startsWith('/.well-known/oauth-protected-resource');

/** Healthy, except that every `status` answer comes bare: without the header that should go with it. */
const bareStatus = (status: number): Breakage => (request, healthy) => {
  const answer = healthy(request);
  return answer.status === status ? { status } : answer;
};

/** Healthy, except that the authorization server metadata document is what `edit` makes of it. */
const editedAsMetadata = (edit: (document: Record<string, unknown>) => Record<string, unknown>): Breakage => (request, healthy) => {
  const answer = healthy(request);
  if (pathOf(request) !== '/.well-known/oauth-authorization-server') return answer;
  return jsonAnswer(200, edit(JSON.parse(answer.body ?? '{}') as Record<string, unknown>));
};

/** A JSON-RPC error answering `request`'s id with HTTP `status`. */
const rpcError = (request: WorldRequest, status: number, code: number, message: string): WorldAnswer =>
  jsonAnswer(status, { jsonrpc: '2.0', id: (JSON.parse(request.body) as { id: number }).id, error: { code, message } });

export const BROKEN_SERVERS: readonly BrokenServer[] = [
  {
    name: 'bare origin with a home-made JSON document (§4, the original Python server)',
    path: '',
    withToken: false,
    breakage: (request, healthy) => {
      if (pathOf(request) !== '/') return healthy(request);
      if (request.method === 'GET') return jsonAnswer(200, { name: 'my-mcp', version: '1.0', endpoints: { sse: '/sse', messages: '/messages' } });
      return { status: 405, headers: { allow: 'GET' } };
    },
    step: 'url',
    cause: /bare origin.*JSON document/,
    fix: /Paste https?:\/\/[^ ]+\/mcp: it answers like an MCP endpoint/,
  },
  {
    name: '401 without WWW-Authenticate (§4)',
    path: '/mcp',
    withToken: false,
    breakage: bareStatus(401),
    step: 'challenge',
    cause: /nothing points the client to the protected resource metadata/,
    fix: /WWW-Authenticate: Bearer resource_metadata=/,
  },
  {
    name: 'no protected resource metadata (§4; 1.2 since 2026-01-08)',
    path: '/mcp',
    withToken: false,
    breakage: (request, healthy) => {
      if (wellKnownResource(request)) return { status: 404 };
      const answer = healthy(request);
      return answer.status === 401 ? { status: 401, headers: { 'www-authenticate': 'Bearer realm="mcp"' } } : answer;
    },
    step: 'resource-metadata',
    cause: /no protected resource metadata/,
    fix: /oauth-protected-resource\/mcp/,
  },
  {
    name: '`resource` differs from the pasted URL (trailing slash, sigbit/mcp-auth-proxy#123)',
    path: '/mcp',
    withToken: false,
    breakage: (request, healthy) => {
      const answer = healthy(request);
      if (!wellKnownResource(request) || pathOf(request).endsWith('resource')) return answer;
      const document = JSON.parse(answer.body ?? '{}') as Record<string, unknown>;
      return jsonAnswer(200, { ...document, resource: `${String(document['resource'])}/` });
    },
    step: 'resource-metadata',
    cause: /resource must equal the URL/,
    fix: /"resource":/,
  },
  {
    name: 'issuer with a trailing slash (§2, strict issuer checks)',
    path: '/mcp',
    withToken: false,
    breakage: editedAsMetadata((document) => ({ ...document, issuer: `${String(document['issuer'])}/` })),
    step: 'auth-server-metadata',
    cause: /trailing slash/,
    fix: /no trailing slash/,
  },
  {
    name: 'no S256 in code_challenge_methods_supported (#786, #946)',
    path: '/mcp',
    withToken: false,
    breakage: editedAsMetadata(({ code_challenge_methods_supported: _dropped, ...document }) => document),
    step: 'auth-server-metadata',
    cause: /S256/,
    fix: /code_challenge_methods_supported/,
  },
  {
    name: 'a firewall answering 403 to hosted-client user agents (1.11, "Block AI bots")',
    path: '/mcp',
    withToken: false,
    breakage: (request, healthy) => {
      const agent = request.headers['user-agent'] ?? '';
      if (agent.startsWith('python-httpx') || agent === 'Claude-User') return { status: 403, headers: { 'content-type': 'text/html' }, body: '<h1>Sorry, you have been blocked</h1>' };
      return healthy(request);
    },
    step: 'user-agent',
    cause: /python-httpx\/0\.28\.1 with 403 and a browser with 401/,
    fix: /Block AI bots/,
  },
  {
    name: 'a trailing-slash redirect /mcp → /mcp/ (§3)',
    path: '/mcp',
    withToken: false,
    breakage: (request, healthy) => (pathOf(request) === '/mcp' ? { status: 307, headers: { location: '/mcp/' } } : healthy(request)),
    step: 'url',
    cause: /does not follow redirects/,
    fix: /directly, without a redirect/,
  },
  {
    name: 'registration answers with null fields (sigbit/mcp-auth-proxy#173)',
    path: '/mcp',
    withToken: false,
    breakage: (request, healthy) => {
      if (pathOf(request) !== '/register') return healthy(request);
      return jsonAnswer(201, { client_id: 'c-1', client_secret: null, client_uri: null, logo_uri: null, token_endpoint_auth_method: 'none', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] });
    },
    step: 'registration',
    cause: /null fields/,
    fix: /Omit unset fields/,
  },
  {
    name: 'a buffering proxy in front of legacy SSE (sseshachala/conductai#1744)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => {
      if (pathOf(request) === '/mcp' && request.method === 'POST') return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
      const answer = healthy(request);
      return answer.stream === undefined ? answer : { ...answer, stream: { ...answer.stream, buffered: true } };
    },
    step: 'sse',
    cause: /buffers the event stream/,
    fix: /X-Accel-Buffering: no/,
  },
  {
    name: '405 without Allow on GET /mcp (#499)',
    path: '/mcp',
    withToken: true,
    breakage: bareStatus(405),
    step: 'listen-stream',
    cause: /405 without Allow/,
    fix: /Allow: POST, DELETE/,
  },
  {
    name: 'a 2025-only server answering server/discover with -32601 (#1044)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => {
      if (!authorized(request) || rpcMethod(request) !== 'server/discover') return healthy(request);
      return rpcError(request, 200, -32601, 'Method not found');
    },
    step: 'discover',
    cause: /2025-only server/,
    fix: /Serve both eras/,
  },
  {
    name: 'a strict 2026 server rejecting the header/_meta mismatch (anthropics/claude-code#93290)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => {
      if (!authorized(request) || rpcMethod(request) !== 'server/discover' || request.headers['mcp-protocol-version'] === '2026-07-28') return healthy(request);
      return rpcError(request, 400, -32020, 'MCP-Protocol-Version header does not match _meta');
    },
    step: 'version-mismatch',
    cause: /rejects the header\/_meta mismatch/,
    fix: /Take the version from _meta/,
  },
  {
    name: 'a token endpoint answering invalid_request for a dead refresh token (1.6)',
    path: '/mcp',
    withToken: true,
    breakage: (request, healthy) => {
      const form = new URLSearchParams(request.body);
      if (pathOf(request) !== '/token' || form.get('grant_type') !== 'refresh_token' || (form.get('refresh_token') ?? '').startsWith('rt-')) return healthy(request);
      return jsonAnswer(400, { error: 'invalid_request' });
    },
    step: 'refresh',
    cause: /invalid_request instead of 400 invalid_grant/,
    fix: /400 invalid_grant/,
  },
  CIMD_REJECTED,
  ...LEGACY_BROKEN,
];

/**
 * Healthy servers that look unusual: the doctor must pass them. A stateful server answers a GET
 * that carries the session id with the session's listen stream (no `endpoint` event): that is no
 * buffering proxy.
 */
export interface HealthyVariant {
  readonly name: string;
  readonly breakage: Breakage;
  /** Verdicts besides `pass` (the network steps aside). */
  readonly expected: Readonly<Partial<Record<StepId, Verdict>>>;
}

const SESSION_ID = 'session-1';

const listenStream = (): WorldAnswer => ({ status: 200, headers: { 'content-type': 'text/event-stream', 'mcp-session-id': SESSION_ID }, stream: { events: [], heartbeatMs: 20 } });

export const HEALTHY_VARIANTS: readonly HealthyVariant[] = [
  {
    name: 'a stateful server (Keyway with KEYWAY_MCP_SESSIONS=on): GET with the session id opens the listen stream',
    breakage: (request, healthy) => {
      const answer = healthy(request);
      if (pathOf(request) !== '/mcp' || !authorized(request) || answer.status === 401) return answer;
      if (request.method === 'POST' && rpcMethod(request) === 'initialize') return { ...answer, headers: { ...answer.headers, 'mcp-session-id': SESSION_ID } };
      if (request.method === 'GET' && request.headers['mcp-session-id'] === SESSION_ID) return listenStream();
      return answer;
    },
    expected: { 'sign-in': 'skip', revoke: 'skip' },
  },
  {
    name: 'a server whose every GET opens a Streamable listen stream (no legacy SSE)',
    breakage: (request, healthy) => {
      const answer = healthy(request);
      if (pathOf(request) !== '/mcp' || !authorized(request) || request.method !== 'GET' || answer.status === 401) return answer;
      return listenStream();
    },
    expected: { 'sign-in': 'skip', sse: 'skip', revoke: 'skip' },
  },
  LEGACY_ONLY,
];

export { GOOD_REFRESH };
