import assert from 'node:assert/strict';
import type { ClientProfile, ConnectStep } from '../../src/domain/client-profiles/index.js';
import { createHttp, type Http, type ReplayTarget } from './profile-replay-http.js';
import { callTool, deleteSession, initialized, list, listen, open, openingBody, mcpHeaders, type McpState } from './profile-replay-mcp.js';
import { authorize, readChallenge, readResourceMetadata, readServerMetadata, register, token, type Discovered, type Registered, type TokenPair } from './profile-replay-oauth.js';

export type { ReplayTarget } from './profile-replay-http.js';

/**
 * Plays one client profile's whole connect sequence (`profile.sequence`, in order) against a
 * Keyway at `target.origin`, asserting every step as that client would judge it. Throws an
 * AssertionError naming the first step the client would have given up at.
 */
export interface ReplayResult {
  readonly registration: 'cimd' | 'dcr';
  /** Every client id registered during the connect (two for Claude's double DCR). */
  readonly clientIds: readonly string[];
  readonly clientId: string;
  /** The auth method the client used at `/token` (the one its registration answer named). */
  readonly authMethod: string;
  /** `METHOD /path → status` for every request, in order (CORS preflights and browser steps included). */
  readonly transcript: readonly string[];
  /** The `echo` tool's answer. */
  readonly echoed: string;
  /** Tool names from `tools/list`. */
  readonly tools: readonly string[];
  /** The tokens the connect ended with (after the refresh, when the profile refreshes). */
  readonly tokens: TokenPair;
  /** Whether the connect refreshed, and the first pair was rotated away. */
  readonly refreshed: boolean;
}

interface Replay {
  readonly http: Http;
  readonly url: string;
  readonly mcp: McpState;
  challenge?: Discovered['challenge'];
  protectedResource?: { resource: string; issuer: string };
  discovered?: Discovered;
  registered?: Registered;
  code?: { code: string; verifier: string; redirectUri: string };
  tokens?: TokenPair;
  tools: string[];
  echoed?: string;
  refreshed: boolean;
}

const need = <T>(value: T | undefined, what: string): T => {
  assert.ok(value !== undefined, `the sequence reached a step before ${what}`);
  return value;
};

async function probe(replay: Replay): Promise<void> {
  const { http, url } = replay;
  const body = openingBody(http, 0);
  const response =
    http.profile.discovery.probeMethod === 'GET'
      ? await http.send(url, { phase: 'discovery', headers: { accept: 'text/event-stream' } })
      : await http.send(url, { phase: 'discovery', json: body, headers: mcpHeaders(http, 'opening', String(body['method'])) });
  await response.body?.cancel();
  replay.challenge = readChallenge(response);
}

async function exchange(replay: Replay): Promise<void> {
  const code = need(replay.code, 'authorize');
  replay.tokens = await token(replay.http, need(replay.discovered, 'discovery'), need(replay.registered, 'register'), {
    grant_type: 'authorization_code',
    code: code.code,
    redirect_uri: code.redirectUri,
    code_verifier: code.verifier,
  });
  replay.mcp.accessToken = replay.tokens.access;
}

/** Refresh as the client does on a 401 or ahead of expiry: rotated pair, and the new token works. */
async function refresh(replay: Replay): Promise<void> {
  const { http, url } = replay;
  if (http.profile.refresh.triggers.length === 0) return;
  const before = need(replay.tokens, 'token');
  const after = await token(http, need(replay.discovered, 'discovery'), need(replay.registered, 'register'), { grant_type: 'refresh_token', refresh_token: before.refresh });
  assert.notEqual(after.refresh, before.refresh, 'refresh tokens rotate');
  assert.notEqual(after.access, before.access);
  replay.tokens = after;
  replay.mcp.accessToken = after.access;
  replay.refreshed = true;
  assert.ok(await list(http, replay.mcp, url, 'tools/list'), 'the refreshed access token works');
}

async function listTools(replay: Replay): Promise<void> {
  const listed = await list(replay.http, replay.mcp, replay.url, 'tools/list');
  const tools = (listed?.['tools'] ?? []) as Array<{ name: string }>;
  replay.tools = tools.map((tool) => tool.name);
  assert.ok(replay.tools.includes('echo'), `tools/list: ${replay.tools.join(', ')}`);
}

async function echo(replay: Replay): Promise<void> {
  const message = `hello from ${replay.http.profile.id}`;
  const called = await callTool(replay.http, replay.mcp, replay.url, 'echo', { message });
  assert.deepEqual(called['content'], [{ type: 'text', text: message }]);
  replay.echoed = message;
}

const STEPS: Record<ConnectStep, (replay: Replay) => Promise<void>> = {
  probe,
  'protected-resource-metadata': async (replay) => {
    replay.protectedResource = await readResourceMetadata(replay.http, need(replay.challenge, 'probe'), replay.url);
  },
  'authorization-server-metadata': async (replay) => {
    const { resource, issuer } = need(replay.protectedResource, 'PRM');
    const metadata = await readServerMetadata(replay.http, issuer);
    replay.discovered = { challenge: need(replay.challenge, 'probe'), resource, issuer, metadata };
  },
  register: async (replay) => {
    replay.registered = await register(replay.http, need(replay.discovered, 'discovery'));
  },
  authorize: async (replay) => {
    replay.code = await authorize(replay.http, need(replay.discovered, 'discovery'), need(replay.registered, 'register'));
  },
  token: exchange,
  'mcp-open': (replay) => open(replay.http, replay.mcp, replay.url),
  'mcp-initialized': (replay) => initialized(replay.http, replay.mcp, replay.url),
  'listen-stream': (replay) => listen(replay.http, replay.mcp, replay.url),
  'tools-list': listTools,
  'prompts-list': async (replay) => {
    await list(replay.http, replay.mcp, replay.url, 'prompts/list');
  },
  'resources-list': async (replay) => {
    await list(replay.http, replay.mcp, replay.url, 'resources/list');
  },
  'delete-session': (replay) => deleteSession(replay.http, replay.mcp, replay.url),
  'tool-call': echo,
  refresh,
};

export async function replayProfile(profile: ClientProfile, target: ReplayTarget): Promise<ReplayResult> {
  const http = createHttp(profile, target);
  const replay: Replay = {
    http,
    url: `${target.origin}${target.path ?? '/mcp'}`,
    mcp: { era: '2025', sessionId: undefined, staleSessionId: undefined, accessToken: '', nextId: 1 },
    tools: [],
    refreshed: false,
  };
  for (const step of profile.sequence) {
    try {
      await STEPS[step](replay);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${profile.id} gave up at ${step}: ${message}\n  transcript: ${http.transcript.join(' | ')}`, { cause: error });
    }
  }
  const registered = need(replay.registered, 'register');
  return {
    registration: registered.method,
    clientIds: registered.clientIds,
    clientId: registered.clientId,
    authMethod: registered.authMethod,
    transcript: http.transcript,
    echoed: need(replay.echoed, 'tool-call'),
    tools: replay.tools,
    tokens: need(replay.tokens, 'token'),
    refreshed: replay.refreshed,
  };
}
