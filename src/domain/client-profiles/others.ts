import { type ClientProfile, type ConnectStep, type ProtocolBehaviour, type RefreshBehaviour, type SessionBehaviour } from './types.js';

/**
 * ChatGPT, Cursor and VS Code. CLIENTS.md marks most of their MCP-side behaviour `?`; those
 * values share the constants below, each the choice that is hardest for the server.
 */

const FULL_SEQUENCE: readonly ConnectStep[] = [
  'probe',
  'protected-resource-metadata',
  'authorization-server-metadata',
  'register',
  'authorize',
  'token',
  'mcp-open',
  'mcp-initialized',
  'tools-list',
  'tool-call',
  'refresh',
];

/**
 * Protocol `?`: 2025-11-25 `initialize`; no version header later (the server must fall back to
 * the negotiated version); `*` + `/` Accept (a strict server answers 406); no SSE fallback, so
 * the URL must serve Streamable HTTP; redirects not followed (sigbit/mcp-auth-proxy#116).
 */
function unknownProtocol(clientName: string): ProtocolBehaviour {
  return {
    versions: ['2025-11-25'],
    opening: { method: 'initialize', bodyVersion: '2025-11-25', headerVersion: null, clientInfo: { name: clientName, version: '1.0.0' }, sendsMethodHeaders: false },
    laterHeaderVersion: null,
    initializeAfterDiscover: false,
    acceptOpening: '*/*',
    acceptLater: '*/*',
    sseFallbackOn: [],
    followsRedirects: false,
  };
}

/** Sessions `?`: sends the notification, but forgets the session id at times and keeps dead ones. */
const UNKNOWN_SESSIONS: SessionBehaviour = { sendsInitialized: true, echoesSessionId: 'sometimes', opensListenStream: false, deletesAfterHandshake: false, keepsStaleId: true };

/** Refresh `?`: on a 401 only, and unreliable, so grants must outlive access tokens. */
const UNKNOWN_REFRESH: RefreshBehaviour = { triggers: ['on-401'], earlySeconds: 0, timeoutSeconds: 30, unreliable: true };

/** User agents `?`: none sent, the harder case (1.9, #923). */
const NO_USER_AGENT = { discovery: null, registration: null, token: null, mcp: null } as const;

const STRICT_DISCOVERY = { probeMethod: 'POST', followsResourceMetadata: true, strictIssuerMatch: true, requiresS256Advertised: true, timeoutSeconds: 10 } as const;

const CODE_GRANTS = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] } as const;

const CHATGPT_CALLBACK = 'https://chatgpt.com/connector_platform_oauth_redirect';

/**
 * ChatGPT: hosted, DCR. It uses the stable callback only when the AS advertises and sends RFC 9207
 * `iss` (Keyway does), so it checks `iss` (reported, §2).
 */
export const CHATGPT: ClientProfile = {
  id: 'chatgpt',
  displayName: 'ChatGPT',
  runsFrom: 'hosted',
  userAgents: NO_USER_AGENT,
  discovery: STRICT_DISCOVERY,
  registration: {
    dcr: {
      // Body `?` beyond the callback: a confidential client asking for client_secret_post, so the
      // replay exercises a secret at the token endpoint.
      body: { client_name: 'ChatGPT', redirect_uris: [CHATGPT_CALLBACK], ...CODE_GRANTS, token_endpoint_auth_method: 'client_secret_post' },
      attempts: 1,
    },
  },
  authorization: { redirectUris: [CHATGPT_CALLBACK], loopbackPortVaries: false, scope: { from: 'challenge' }, asksOfflineAccess: false, sendsResource: true, checksIss: true, callbackTimeoutSeconds: 300 },
  tokenAuth: { method: 'as-registered' },
  protocol: unknownProtocol('openai-mcp'),
  sessions: UNKNOWN_SESSIONS,
  refresh: UNKNOWN_REFRESH,
  sequence: FULL_SEQUENCE,
  sources: ['CLIENTS.md §2 (ChatGPT)', 'CLIENTS.md §5'],
};

const CURSOR_CALLBACKS = [
  'cursor://anysphere.cursor-mcp/oauth/callback',
  'https://www.cursor.com/agents/mcp/oauth/callback',
  'http://localhost:8787/callback',
];

/** Cursor: native OAuth, one DCR request with three redirect URIs, one a dot-less private scheme (§2). */
export const CURSOR: ClientProfile = {
  id: 'cursor',
  displayName: 'Cursor',
  runsFrom: 'local',
  userAgents: NO_USER_AGENT,
  discovery: STRICT_DISCOVERY,
  registration: {
    dcr: { body: { client_name: 'Cursor', redirect_uris: CURSOR_CALLBACKS, ...CODE_GRANTS, token_endpoint_auth_method: 'none' }, attempts: 1 },
  },
  // The desktop app returns through its private scheme; the replay authorizes with it.
  authorization: { redirectUris: CURSOR_CALLBACKS, loopbackPortVaries: false, scope: { from: 'challenge' }, asksOfflineAccess: false, sendsResource: true, checksIss: false, callbackTimeoutSeconds: 300 },
  tokenAuth: { method: 'as-registered' },
  protocol: unknownProtocol('cursor-vscode'),
  sessions: UNKNOWN_SESSIONS,
  refresh: UNKNOWN_REFRESH,
  sequence: FULL_SEQUENCE,
  sources: ['CLIENTS.md §2 (Cursor)', 'CLIENTS.md §5'],
};

const VSCODE_CALLBACKS = ['http://127.0.0.1:33418/', 'https://vscode.dev/redirect'];

/**
 * VS Code: a loopback callback whose port varies, plus vscode.dev. Its CIMD document is
 * unconfirmed, so the profile registers with DCR.
 */
export const VSCODE: ClientProfile = {
  id: 'vscode',
  displayName: 'VS Code',
  runsFrom: 'local',
  userAgents: NO_USER_AGENT,
  discovery: STRICT_DISCOVERY,
  registration: {
    dcr: { body: { client_name: 'Visual Studio Code', redirect_uris: VSCODE_CALLBACKS, ...CODE_GRANTS, token_endpoint_auth_method: 'none' }, attempts: 1 },
  },
  // Loopback ports vary (cloudflare/workers-oauth-provider#154).
  authorization: { redirectUris: VSCODE_CALLBACKS, loopbackPortVaries: true, scope: { from: 'challenge' }, asksOfflineAccess: false, sendsResource: true, checksIss: true, callbackTimeoutSeconds: 300 },
  tokenAuth: { method: 'as-registered' },
  protocol: unknownProtocol('Visual Studio Code'),
  sessions: UNKNOWN_SESSIONS,
  refresh: UNKNOWN_REFRESH,
  sequence: FULL_SEQUENCE,
  sources: ['CLIENTS.md §2 (VS Code)', 'CLIENTS.md §5'],
};
