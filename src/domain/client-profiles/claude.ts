import { SPEC_ACCEPT, type ClientMetadataDocument, type ClientProfile, type ConnectStep } from './types.js';

/** Claude's CIMD client id (CLIENTS.md 1.4). */
export const CLAUDE_CIMD_CLIENT_ID = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/** The documented callback; a `claude.com` twin is reported but unconfirmed (1.5), so servers allow both. */
const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

/**
 * The document behind {@link CLAUDE_CIMD_CLIENT_ID} as third-party fixtures show it: named Claude,
 * one callback, grant types including the JWT-bearer grant (RFC 7523), no `application_type`.
 */
const CLAUDE_DOCUMENT: ClientMetadataDocument = {
  client_id: CLAUDE_CIMD_CLIENT_ID,
  client_name: 'Claude',
  redirect_uris: [CLAUDE_CALLBACK],
  grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

/** Hosted Claude: discovery, registration and token from python-httpx, MCP calls as Claude-User (1.9). */
const CLAUDE_USER_AGENTS = {
  discovery: 'python-httpx/0.28.1',
  registration: 'python-httpx/0.28.1',
  token: 'python-httpx/0.28.1',
  mcp: 'Claude-User',
} as const;

const CLAUDE_REGISTRATION = {
  cimd: { clientId: CLAUDE_CIMD_CLIENT_ID, document: CLAUDE_DOCUMENT, requiresNoneAuthMethod: true },
  dcr: {
    // The 2026 body (#1043, #82): asks for client_secret_post, then uses the method the response names.
    body: {
      client_name: 'Claude',
      redirect_uris: [CLAUDE_CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    attempts: 2,
  },
} as const;

const CLAUDE_DISCOVERY = { probeMethod: 'POST', followsResourceMetadata: true, strictIssuerMatch: true, requiresS256Advertised: true, timeoutSeconds: 10 } as const;

const CLAUDE_AUTHORIZATION = {
  redirectUris: [CLAUDE_CALLBACK],
  loopbackPortVaries: false,
  scope: { from: 'challenge' },
  asksOfflineAccess: false,
  sendsResource: true,
  // CLIENTS.md does not say hosted Claude checks RFC 9207 `iss`; Desktop's issuer checks are
  // strict (§2), so the replay holds Claude to the stricter rule.
  checksIss: true,
  callbackTimeoutSeconds: 300,
} as const;

/** Docs: on 401 and up to 5 min early, 30 s limit; practice: often never (1.6). */
const CLAUDE_REFRESH = { triggers: ['on-401', 'before-expiry'], earlySeconds: 300, timeoutSeconds: 30, unreliable: true } as const;

const CLAUDE_SOURCES = ['CLIENTS.md §1', 'CLIENTS.md §5 (Claude.ai, Claude Desktop)'];

const CLAUDE_2025_SEQUENCE: readonly ConnectStep[] = [
  'probe',
  'protected-resource-metadata',
  'authorization-server-metadata',
  'register',
  'authorize',
  'token',
  'mcp-open',
  'mcp-initialized',
  'listen-stream',
  'tools-list',
  'prompts-list',
  'resources-list',
  'delete-session',
  'tool-call',
  'refresh',
];

/** Claude.ai (web, Desktop connectors, mobile) on 2025-11-25: `initialize`, sessions, DELETE (1.7–1.10). */
export const CLAUDE_AI: ClientProfile = {
  id: 'claude-ai',
  displayName: 'Claude.ai (2025-11-25)',
  runsFrom: 'hosted',
  userAgents: CLAUDE_USER_AGENTS,
  discovery: CLAUDE_DISCOVERY,
  registration: CLAUDE_REGISTRATION,
  authorization: CLAUDE_AUTHORIZATION,
  tokenAuth: { method: 'as-registered' },
  protocol: {
    // Supported auth revisions per the docs (1.8); 2025-11-25 is what it opens with.
    versions: ['2025-11-25', '2025-06-18', '2025-03-26'],
    opening: {
      method: 'initialize',
      bodyVersion: '2025-11-25',
      headerVersion: null,
      clientInfo: { name: 'Anthropic/ClaudeAI', version: '1.0.0' },
      // claude.ai on 2025-11-25 has sent Mcp-Method/Mcp-Name on legacy requests (getmunin/munin#672).
      sendsMethodHeaders: true,
    },
    // Missing on some later requests (#70): the harder case.
    laterHeaderVersion: null,
    initializeAfterDiscover: false,
    // `*/*` on some probes, the spec pair on others (#217, #76): `*/*` is the one a strict server refuses.
    acceptOpening: '*/*',
    acceptLater: SPEC_ACCEPT,
    sseFallbackOn: [400, 404, 405],
    followsRedirects: false,
  },
  sessions: { sendsInitialized: true, echoesSessionId: 'sometimes', opensListenStream: true, deletesAfterHandshake: true, keepsStaleId: true },
  refresh: CLAUDE_REFRESH,
  sequence: CLAUDE_2025_SEQUENCE,
  sources: CLAUDE_SOURCES,
};

/** Claude on 2026-07-28 (rollout from August 2026): stateless `server/discover`, header says 2025-11-25 (1.8). */
export const CLAUDE_AI_2026: ClientProfile = {
  ...CLAUDE_AI,
  id: 'claude-ai-2026',
  displayName: 'Claude.ai (2026-07-28)',
  protocol: {
    // Fallback to the 2025 handshake is unreliable (1.8): the server must serve 2026-07-28.
    versions: ['2026-07-28', '2025-11-25'],
    opening: {
      method: 'server/discover',
      bodyVersion: '2026-07-28',
      headerVersion: '2025-11-25',
      clientInfo: { name: 'Anthropic/ClaudeAI', version: '1.0.0' },
      sendsMethodHeaders: true,
    },
    // The mismatch of anthropics/claude-code#93290 is assumed on every request, not just the first.
    laterHeaderVersion: '2025-11-25',
    initializeAfterDiscover: false,
    acceptOpening: '*/*',
    acceptLater: SPEC_ACCEPT,
    sseFallbackOn: [400, 404, 405],
    followsRedirects: false,
  },
  // 2026-07-28 has no sessions; nothing to echo, open or delete.
  sessions: { sendsInitialized: false, echoesSessionId: 'sometimes', opensListenStream: false, deletesAfterHandshake: false, keepsStaleId: false },
  sequence: ['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'register', 'authorize', 'token', 'mcp-open', 'tools-list', 'tool-call', 'refresh'],
};

/** Claude Code: native client, loopback callback on any port, checks `iss` (§2). */
export const CLAUDE_CODE: ClientProfile = {
  id: 'claude-code',
  displayName: 'Claude Code',
  runsFrom: 'local',
  // Not documented in CLIENTS.md: no User-Agent is the harder case (a missing UA trips WAFs, #923).
  userAgents: { discovery: null, registration: null, token: null, mcp: null },
  discovery: { probeMethod: 'POST', followsResourceMetadata: true, strictIssuerMatch: true, requiresS256Advertised: true, timeoutSeconds: 10 },
  registration: {
    // CIMD is `?` for Claude Code: assume DCR only, which needs `/register`.
    dcr: {
      body: {
        client_name: 'Claude Code',
        // The documented callbacks, without a port: it binds a free one per sign-in (§2).
        redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      attempts: 1,
    },
  },
  authorization: {
    redirectUris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    loopbackPortVaries: true,
    scope: { from: 'challenge' },
    // One build asked for it (anthropics/claude-code#41610): the harder case.
    asksOfflineAccess: true,
    sendsResource: true,
    checksIss: true,
    callbackTimeoutSeconds: 300,
  },
  // Token auth `?`: the method the registration answer named (what a conforming SDK does).
  tokenAuth: { method: 'as-registered' },
  protocol: {
    versions: ['2026-07-28', '2025-11-25'],
    opening: {
      method: 'server/discover',
      bodyVersion: '2026-07-28',
      headerVersion: '2025-11-25',
      clientInfo: { name: 'claude-code', version: '2.0.0' },
      sendsMethodHeaders: true,
    },
    laterHeaderVersion: '2025-11-25',
    // anthropics/claude-code#96183: a legacy `initialize` after a successful `server/discover`.
    initializeAfterDiscover: true,
    acceptOpening: SPEC_ACCEPT,
    // anthropics/claude-code#30426: no Accept on a `tools/list`.
    acceptLater: null,
    // `?`: assume it never falls back, so the pasted URL must serve Streamable HTTP.
    sseFallbackOn: [],
    followsRedirects: false,
  },
  sessions: { sendsInitialized: true, echoesSessionId: 'always', opensListenStream: false, deletesAfterHandshake: false, keepsStaleId: true },
  refresh: { triggers: ['on-401'], earlySeconds: 0, timeoutSeconds: 30, unreliable: true },
  sequence: ['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'register', 'authorize', 'token', 'mcp-open', 'mcp-initialized', 'tools-list', 'tool-call', 'refresh'],
  sources: ['CLIENTS.md §2 (Claude Code)', 'CLIENTS.md 1.8', 'CLIENTS.md §5'],
};
