/**
 * What one MCP client observably does when it connects to a remote server with its own OAuth 2.1
 * authorization server: the facts of CLIENTS.md (§1, §2, §5) as data, so the replay tests and
 * `keyway doctor` judge Keyway the way each client would. Values CLIENTS.md leaves open (`?`)
 * take the choice that is hardest for the server, with a comment at the value saying so.
 *
 * Conventions: `null` means "this header or value is not sent at all" (never "unknown");
 * redirect URIs with a loopback host may arrive on any port (RFC 8252 §7.3).
 */

export type ClientProfileId =
  | 'claude-ai'
  | 'claude-ai-2026'
  | 'claude-code'
  | 'chatgpt'
  | 'cursor'
  | 'vscode'
  | 'mcp-inspector'
  | 'mcp-remote';

export type ProtocolVersion = '2024-11-05' | '2025-03-26' | '2025-06-18' | '2025-11-25' | '2026-07-28';

export type TokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/** The spec's Accept pair for Streamable HTTP POSTs (MCP 2025-06-18 and later, "Sending Messages"). */
export const SPEC_ACCEPT = 'application/json, text/event-stream';

/** `User-Agent` per phase of a connect; `null` = no User-Agent header. */
export interface UserAgents {
  /** Unauthenticated probe, PRM and AS metadata GETs. */
  readonly discovery: string | null;
  /** `POST /register`. */
  readonly registration: string | null;
  /** `POST /token`, code exchange and refresh. */
  readonly token: string | null;
  /** Authenticated MCP requests. */
  readonly mcp: string | null;
}

/** An RFC 7591 registration request body, exactly as the client sends it (only the fields it sends). */
export interface DcrRequestBody {
  readonly redirect_uris: readonly string[];
  readonly token_endpoint_auth_method?: TokenEndpointAuthMethod;
  readonly grant_types?: readonly string[];
  readonly response_types?: readonly string[];
  readonly client_name?: string;
  readonly client_uri?: string;
  readonly scope?: string;
  readonly software_id?: string;
  readonly software_version?: string;
  readonly application_type?: 'native' | 'web';
}

/** Dynamic client registration (RFC 7591). */
export interface DcrRegistration {
  readonly body: DcrRequestBody;
  /**
   * Registrations per connect attempt. Claude registers twice about 1 s apart (CLIENTS.md 1.4,
   * #654, #966) and then uses the second client; the server must tolerate the duplicate.
   */
  readonly attempts: 1 | 2;
}

/** A Client ID Metadata Document as the client serves it (draft-ietf-oauth-client-id-metadata-document §4). */
export interface ClientMetadataDocument extends DcrRequestBody {
  readonly client_id: string;
}

/** Client ID Metadata Document: the client id is an https URL the server fetches. */
export interface CimdRegistration {
  readonly clientId: string;
  readonly document: ClientMetadataDocument;
  /**
   * CIMD is chosen only when AS metadata has `client_id_metadata_document_supported: true` and,
   * when this is true, also lists `none` in `token_endpoint_auth_methods_supported` (CLIENTS.md 1.4).
   */
  readonly requiresNoneAuthMethod: boolean;
}

/**
 * How the client gets a client id: CIMD when present and its condition holds (see
 * {@link chooseRegistration}), else DCR. Every profile can do DCR.
 */
export interface RegistrationBehaviour {
  readonly cimd?: CimdRegistration;
  readonly dcr: DcrRegistration;
}

/** Where the client looks for metadata, and how strictly it reads it. */
export interface DiscoveryBehaviour {
  /**
   * How the unauthenticated probe goes out: the opening request as a POST (Claude, the SDKs), or
   * a bare GET of the URL (mcp-remote checks for a challenge that way before its SDK's POST).
   */
  readonly probeMethod: 'POST' | 'GET';
  /** Follows `resource_metadata` from the 401's `WWW-Authenticate` (RFC 9728 §5.1). */
  readonly followsResourceMetadata: boolean;
  /** Fails when metadata `issuer` differs by a byte from the issuer it derived (RFC 8414 §3.3). */
  readonly strictIssuerMatch: boolean;
  /** Never redirects to `/authorize` unless `code_challenge_methods_supported` lists `S256` (CLIENTS.md 1.3). */
  readonly requiresS256Advertised: boolean;
  /** Seconds it waits for discovery, registration and token answers. */
  readonly timeoutSeconds: number;
}

/** The authorization request and its return. */
export interface AuthorizationBehaviour {
  /** Every redirect URI it registers; the first is the one it authorizes with. */
  readonly redirectUris: readonly string[];
  /**
   * Authorizes with a loopback redirect URI on a port other than the registered one (it binds a
   * free port per attempt; RFC 8252 §7.3 says the server must allow any port on loopback).
   */
  readonly loopbackPortVaries: boolean;
  /** The `scope` it asks for: the challenge's `scope`, a fixed string, or none at all. */
  readonly scope: { readonly from: 'challenge' } | { readonly fixed: string } | { readonly from: 'none' };
  /** Adds `offline_access` to the scope (Claude Code once did: anthropics/claude-code#41610). */
  readonly asksOfflineAccess: boolean;
  /** Sends RFC 8707 `resource` on authorize, token and refresh. */
  readonly sendsResource: boolean;
  /** Rejects a redirect whose RFC 9207 `iss` is missing or differs from metadata `issuer`. */
  readonly checksIss: boolean;
  /** Seconds it waits for the user to come back to its callback (mcp-remote: 30; 300 where no limit is known). */
  readonly callbackTimeoutSeconds: number;
}

/**
 * How the client authenticates at `/token`: the method the registration *response* named
 * (Claude uses the response's method, #82 staff), or always one fixed method.
 */
export type TokenAuthBehaviour = { readonly method: 'as-registered' } | { readonly method: TokenEndpointAuthMethod };

/** The first authenticated MCP request. */
export interface OpeningRequest {
  readonly method: 'initialize' | 'server/discover';
  /** The version in the body: `params.protocolVersion` (initialize) or `_meta` (server/discover). */
  readonly bodyVersion: ProtocolVersion;
  /**
   * `MCP-Protocol-Version` header on the opening request; `null` = absent. Differs from
   * `bodyVersion` for Claude's 2026 rollout (header 2025-11-25, `_meta` 2026-07-28: CLIENTS.md 1.8).
   */
  readonly headerVersion: ProtocolVersion | null;
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** Sends `Mcp-Method`/`Mcp-Name` headers (2026-07-28 does; claude.ai on 2025-11-25 has too, getmunin/munin#672). */
  readonly sendsMethodHeaders: boolean;
}

export interface ProtocolBehaviour {
  /** Versions the client can speak, newest first; the server must serve at least one of them. */
  readonly versions: readonly ProtocolVersion[];
  readonly opening: OpeningRequest;
  /** `MCP-Protocol-Version` header on requests after the opening; `null` = absent (#70). */
  readonly laterHeaderVersion: ProtocolVersion | null;
  /** Sends a legacy `initialize` after a successful `server/discover` (anthropics/claude-code#96183). */
  readonly initializeAfterDiscover: boolean;
  /** `Accept` on the opening POST; `null` = absent. */
  readonly acceptOpening: string | null;
  /** `Accept` on later POSTs; `null` = absent (a Claude Code `tools/list`: anthropics/claude-code#30426). */
  readonly acceptLater: string | null;
  /** Statuses of the Streamable HTTP POST that send it to legacy SSE (`GET` expecting `endpoint`). */
  readonly sseFallbackOn: readonly number[];
  /** Follows a 307 on the MCP path (none do: sigbit/mcp-auth-proxy#116). */
  readonly followsRedirects: boolean;
}

/** Session handling in the 2025 eras (CLIENTS.md 1.10). */
export interface SessionBehaviour {
  /** Sends `notifications/initialized` after `initialize` (Claude has stalled without it, #473). */
  readonly sendsInitialized: boolean;
  /** Echoes `Mcp-Session-Id` on every request, or only sometimes (#99). */
  readonly echoesSessionId: 'always' | 'sometimes';
  /** Opens the optional GET listen stream after connecting; a 405 must carry `Allow` (#499). */
  readonly opensListenStream: boolean;
  /** Sends `DELETE` right after the handshake (#99 log). */
  readonly deletesAfterHandshake: boolean;
  /** Keeps sending a dead session id after a restart and never re-initializes on 404. */
  readonly keepsStaleId: boolean;
}

export interface RefreshBehaviour {
  /** When it refreshes: on a 401, ahead of expiry, or never in practice. */
  readonly triggers: readonly ('on-401' | 'before-expiry')[];
  /** Refreshes up to this many seconds before expiry (Claude docs: 300). */
  readonly earlySeconds: number;
  /** Seconds it waits for a refresh answer. */
  readonly timeoutSeconds: number;
  /** Reports say refresh often never happens or fails silently; servers should issue long-lived grants. */
  readonly unreliable: boolean;
}

/** A client that runs in a browser page and needs CORS (MCP Inspector). */
export interface BrowserBehaviour {
  readonly origin: string;
  /** Headers its preflight asks for (`Access-Control-Request-Headers`). */
  readonly requestHeaders: readonly string[];
  /** Response headers it must be able to read (`Access-Control-Expose-Headers`). */
  readonly readsHeaders: readonly string[];
  /** Endpoints it calls from the page (paths on the Keyway origin). */
  readonly paths: readonly string[];
}

/** One step of a connect, in the order the client takes them. */
export type ConnectStep =
  | 'probe'
  | 'protected-resource-metadata'
  | 'authorization-server-metadata'
  | 'register'
  | 'authorize'
  | 'token'
  | 'mcp-open'
  | 'mcp-initialized'
  | 'listen-stream'
  | 'tools-list'
  | 'prompts-list'
  | 'resources-list'
  | 'delete-session'
  | 'tool-call'
  | 'refresh';

export interface ClientProfile {
  readonly id: ClientProfileId;
  readonly displayName: string;
  /** Where the client runs: Anthropic's or OpenAI's cloud, the user's machine, or a browser page. */
  readonly runsFrom: 'hosted' | 'local' | 'browser';
  readonly userAgents: UserAgents;
  readonly discovery: DiscoveryBehaviour;
  readonly registration: RegistrationBehaviour;
  readonly authorization: AuthorizationBehaviour;
  readonly tokenAuth: TokenAuthBehaviour;
  readonly protocol: ProtocolBehaviour;
  readonly sessions: SessionBehaviour;
  readonly refresh: RefreshBehaviour;
  /** Present only for clients that call from a browser page. */
  readonly browser?: BrowserBehaviour;
  readonly sequence: readonly ConnectStep[];
  /** CLIENTS.md sections and threads the values come from. */
  readonly sources: readonly string[];
}
