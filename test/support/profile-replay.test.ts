import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientProfile, type ClientProfileId } from '../../src/domain/client-profiles/index.js';
import { startKeyway } from './keyway.js';
import { localSignIn } from './oauth-flow.js';
import { replayProfile, type ReplayTarget } from './profile-replay.js';

/**
 * The replay harness judges like the clients: against a real Keyway on loopback it passes, and
 * each defect CLIENTS.md names — injected by a fetch that spoils one answer — stops the client at
 * the step where the real one gives up.
 */
type Spoil = (url: URL, init: RequestInit | undefined, response: Response) => Response | Promise<Response>;

/** A copy of `response` with `headers` changed (`null` deletes one). */
function withHeaders(response: Response, headers: Record<string, string | null>): Response {
  const copy = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) copy.delete(name);
    else copy.set(name, value);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: copy });
}

async function withJson(response: Response, change: (json: Record<string, unknown>) => void): Promise<Response> {
  const json = (await response.json()) as Record<string, unknown>;
  change(json);
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(json), { status: response.status, headers });
}

const SPOILERS: ReadonlyArray<{ readonly defect: string; readonly profile: ClientProfileId; readonly step: string; readonly because: RegExp; readonly spoil: Spoil }> = [
  {
    defect: 'a 401 without resource_metadata',
    profile: 'claude-ai',
    step: 'probe',
    because: /no resource_metadata/,
    spoil: (_url, _init, response) => (response.status === 401 ? withHeaders(response, { 'www-authenticate': 'Bearer realm="mcp"' }) : response),
  },
  {
    defect: 'PRM resource with a trailing slash the user did not type',
    profile: 'claude-ai-2026',
    step: 'protected-resource-metadata',
    because: /path included/,
    spoil: (url, _init, response) => (url.pathname.startsWith('/.well-known/oauth-protected-resource') ? withJson(response, (json) => (json['resource'] = `${String(json['resource'])}/`)) : response),
  },
  {
    defect: 'metadata without S256',
    profile: 'vscode',
    step: 'authorization-server-metadata',
    because: /S256/,
    spoil: (url, _init, response) => (url.pathname === '/.well-known/oauth-authorization-server' ? withJson(response, (json) => delete json['code_challenge_methods_supported']) : response),
  },
  {
    defect: 'a registration answer with a null field',
    profile: 'cursor',
    step: 'register',
    because: /"logo_uri": null/,
    spoil: (url, _init, response) => (url.pathname === '/register' ? withJson(response, (json) => (json['logo_uri'] = null)) : response),
  },
  {
    defect: 'an authorization response without iss while iss is advertised',
    profile: 'claude-code',
    step: 'authorize',
    because: /iss advertised but missing/,
    spoil: (url, _init, response) => {
      const location = response.headers.get('location');
      if (url.pathname !== '/callback' || location === null) return response;
      const target = new URL(location);
      target.searchParams.delete('iss');
      return withHeaders(response, { location: target.href });
    },
  },
  {
    defect: 'a 406 for Accept */*',
    profile: 'claude-ai',
    step: 'mcp-open',
    because: /HTTP 406/,
    spoil: (url, init, response) => {
      const accept = new Headers(init?.headers).get('accept');
      return url.pathname === '/mcp' && accept === '*/*' && response.status === 200 ? new Response('{}', { status: 406 }) : response;
    },
  },
  {
    defect: 'a 405 without Allow on the listen stream',
    profile: 'mcp-remote',
    step: 'listen-stream',
    because: /must carry Allow/,
    spoil: (url, init, response) => (url.pathname === '/mcp' && (init?.method ?? 'GET') === 'GET' && response.status === 405 ? withHeaders(response, { allow: null }) : response),
  },
  {
    defect: 'WWW-Authenticate not exposed to the page',
    profile: 'mcp-inspector',
    step: 'probe',
    because: /www-authenticate is not exposed/,
    spoil: (_url, _init, response) => (response.status === 401 ? withHeaders(response, { 'access-control-expose-headers': 'mcp-session-id' }) : response),
  },
  {
    defect: 'a refresh that does not rotate the refresh token',
    profile: 'chatgpt',
    step: 'refresh',
    because: /refresh tokens rotate/,
    spoil: async (url, init, response) => {
      const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
      if (url.pathname !== '/token' || form.get('grant_type') !== 'refresh_token') return response;
      return withJson(response, (json) => (json['refresh_token'] = form.get('refresh_token')));
    },
  },
];

test('the profile replay harness', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_ALLOWED_ORIGINS: 'http://localhost:6274' });
  const target = (spoil?: Spoil): ReplayTarget => ({
    origin: keyway.origin,
    upstream: localSignIn,
    sessions: false,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      return spoil === undefined ? response : spoil(new URL(input instanceof Request ? input.url : String(input)), init, response);
    },
  });

  await t.test('passes a real Keyway for every spoiled profile before it is spoiled', async () => {
    for (const profile of new Set(SPOILERS.map((spoiler) => spoiler.profile))) {
      const result = await replayProfile(clientProfile(profile), target());
      assert.equal(result.echoed, `hello from ${profile}`);
    }
  });

  for (const { defect, profile, step, because, spoil } of SPOILERS) {
    await t.test(`${profile} gives up at ${step} on ${defect}`, async () => {
      await assert.rejects(replayProfile(clientProfile(profile), target(spoil)), (error: Error) => {
        assert.match(error.message, new RegExp(`^${profile} gave up at ${step}:`));
        assert.match(error.message, because);
        return true;
      });
    });
  }
});
