import { SPEC_ACCEPT, type ClientProfile, type ProtocolBehaviour } from './types.js';

/**
 * MCP Inspector and mcp-remote: both built on the MCP TypeScript SDK, so their MCP side follows it
 * (`initialize` at the SDK's latest version, the spec Accept pair, the negotiated version header,
 * the session id echoed).
 */

function sdkProtocol(clientName: string, version: string, sseFallbackOn: readonly number[]): ProtocolBehaviour {
  return {
    // The SDK's supported versions; mcp-remote's `--protocol auto` adds 2026-07-28, not the default.
    versions: ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'],
    opening: { method: 'initialize', bodyVersion: '2025-11-25', headerVersion: null, clientInfo: { name: clientName, version }, sendsMethodHeaders: false },
    laterHeaderVersion: '2025-11-25',
    initializeAfterDiscover: false,
    acceptOpening: SPEC_ACCEPT,
    acceptLater: SPEC_ACCEPT,
    sseFallbackOn,
    followsRedirects: false,
  };
}

const CODE_GRANTS = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] } as const;

const INSPECTOR_ORIGIN = 'http://localhost:6274';
const INSPECTOR_CALLBACKS = [`${INSPECTOR_ORIGIN}/oauth/callback`, `${INSPECTOR_ORIGIN}/oauth/callback/debug`];

/** A desktop Chrome user agent, as the Inspector's page sends it. */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

/**
 * MCP Inspector in direct mode: discovery, registration, token and `/mcp` run in the browser page
 * at `http://localhost:6274`, so every one needs CORS (§2). Registration method `?` beyond DCR.
 */
export const MCP_INSPECTOR: ClientProfile = {
  id: 'mcp-inspector',
  displayName: 'MCP Inspector',
  runsFrom: 'browser',
  userAgents: { discovery: BROWSER_UA, registration: BROWSER_UA, token: BROWSER_UA, mcp: BROWSER_UA },
  discovery: { probeMethod: 'POST', followsResourceMetadata: true, strictIssuerMatch: true, requiresS256Advertised: true, timeoutSeconds: 10 },
  registration: {
    dcr: { body: { client_name: 'MCP Inspector', redirect_uris: INSPECTOR_CALLBACKS, ...CODE_GRANTS, token_endpoint_auth_method: 'none' }, attempts: 1 },
  },
  // `iss` checking `?`: the SDK validates it when the metadata advertises support, so assume it does.
  authorization: { redirectUris: INSPECTOR_CALLBACKS, loopbackPortVaries: false, scope: { from: 'challenge' }, asksOfflineAccess: false, sendsResource: true, checksIss: true, callbackTimeoutSeconds: 300 },
  tokenAuth: { method: 'as-registered' },
  // The user picks the transport: no automatic fallback.
  protocol: sdkProtocol('mcp-inspector', '0.17.0', []),
  sessions: { sendsInitialized: true, echoesSessionId: 'always', opensListenStream: true, deletesAfterHandshake: false, keepsStaleId: false },
  // Refresh is a button in the UI: nothing automatic.
  refresh: { triggers: [], earlySeconds: 0, timeoutSeconds: 30, unreliable: true },
  browser: {
    origin: INSPECTOR_ORIGIN,
    requestHeaders: ['authorization', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'],
    readsHeaders: ['www-authenticate', 'mcp-session-id'],
    paths: ['/mcp', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/register', '/token'],
  },
  sequence: ['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'register', 'authorize', 'token', 'mcp-open', 'mcp-initialized', 'listen-stream', 'tools-list', 'tool-call'],
  sources: ['CLIENTS.md §2 (MCP Inspector)', 'CLIENTS.md §5'],
};

/** mcp-remote's default callback: a per-server port in 3335–49150 (this one is illustrative). */
const MCP_REMOTE_CALLBACK = 'http://localhost:3335/oauth/callback';

/**
 * mcp-remote 0.15 (the stdio bridge in Desktop, Cursor and Windsurf configs), read from its
 * source: registers with the first of `none`, `client_secret_post`, `client_secret_basic` the AS
 * advertises, names itself "MCP CLI Proxy", derives `application_type` from the loopback callback.
 */
export const MCP_REMOTE: ClientProfile = {
  id: 'mcp-remote',
  displayName: 'mcp-remote',
  runsFrom: 'local',
  // As observed from 0.15.1 on Node 20: its SDK's fetch says `undici`; its own pre-flight
  // discovery (a GET challenge check, PRM, AS metadata) says `node`, then the SDK discovers again.
  userAgents: { discovery: 'node', registration: 'undici', token: 'undici', mcp: 'undici' },
  discovery: { probeMethod: 'GET', followsResourceMetadata: true, strictIssuerMatch: true, requiresS256Advertised: true, timeoutSeconds: 10 },
  registration: {
    dcr: {
      body: {
        redirect_uris: [MCP_REMOTE_CALLBACK],
        token_endpoint_auth_method: 'none',
        ...CODE_GRANTS,
        // The `mcp-remote` bin (proxy) names itself so; `mcp-remote-client` says "MCP CLI Client".
        client_name: 'MCP CLI Proxy',
        client_uri: 'https://github.com/modelcontextprotocol/mcp-cli',
        software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d',
        software_version: '0.15.1',
        application_type: 'native',
      },
      attempts: 1,
    },
  },
  // It registers the port it listens on and keeps it (a per-server port; an explicit one is strict).
  authorization: { redirectUris: [MCP_REMOTE_CALLBACK], loopbackPortVaries: false, scope: { from: 'challenge' }, asksOfflineAccess: false, sendsResource: true, checksIss: true, callbackTimeoutSeconds: 30 },
  tokenAuth: { method: 'as-registered' },
  // `http-first` (the default) falls back to SSE only on 404.
  protocol: sdkProtocol('mcp-remote', '0.15.1', [404]),
  sessions: { sendsInitialized: true, echoesSessionId: 'always', opensListenStream: true, deletesAfterHandshake: false, keepsStaleId: false },
  // Refreshes and caches tokens locally; expiry recovery had bugs (punkpeye/mcp-remote#166), so
  // only the on-401 path is assumed.
  refresh: { triggers: ['on-401'], earlySeconds: 0, timeoutSeconds: 30, unreliable: true },
  sequence: ['probe', 'protected-resource-metadata', 'authorization-server-metadata', 'register', 'authorize', 'token', 'mcp-open', 'mcp-initialized', 'listen-stream', 'tools-list', 'tool-call', 'refresh'],
  sources: ['CLIENTS.md §2 (mcp-remote)', 'CLIENTS.md §5', 'mcp-remote 0.15.1 source'],
};
