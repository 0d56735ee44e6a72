import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { toAuthInfo } from '../../src/adapters/mcp/auth-info.js';
import { createServerFactory } from '../../src/adapters/mcp/server-factory.js';
import { createMemoryStores } from '../../src/adapters/storage/memory/memory-stores.js';
import { packsForProvider, type IdentityProviderKind } from '../../src/app/identity-packs.js';
import type { Principal } from '../../src/domain/principal.js';
import type { UpstreamRefresher, UpstreamTokens } from '../../src/domain/ports/upstream.js';
import { createUpstreamTokens } from '../../src/domain/upstream/upstream-tokens.js';
import { createFakeClock } from '../support/fake-clock.js';
import { startFakeGithubRest, type FakeGithubRest } from '../support/fake-github-rest.js';
import { REST_DATA } from '../support/github-rest-world.js';
import { aGrant, createRecordingLogger, createReversibleSealer, START } from '../support/oauth-mothers.js';

/**
 * The identity tools end to end in one process: a real MCP client (2026-07-28) → Keyway's server
 * factory with the packs for a provider → the GitHub REST adapter → a loopback GitHub, with the
 * user's upstream tokens sealed in a grant of the memory store and refreshed through a fake
 * upstream refresher.
 */

const sealer = createReversibleSealer();

interface CallResult {
  readonly content: Array<{ type: string; text?: string }>;
  readonly isError?: boolean;
  readonly structuredContent?: Record<string, unknown>;
}

interface World {
  readonly fake: FakeGithubRest;
  readonly stores: ReturnType<typeof createMemoryStores>;
  readonly revoked: string[];
  readonly refreshes: string[];
  readonly principal: Principal;
  client(principal?: Principal): Promise<Client>;
  call(client: Client, name: string, args?: Record<string, unknown>): Promise<CallResult>;
  sealedTokens(): Promise<Record<string, unknown>>;
}

interface WorldOptions {
  readonly provider?: IdentityProviderKind;
  readonly upstream?: Record<string, unknown>;
  readonly subject?: string;
  /** The refresher answers only once this many tool calls have asked for the token (so they all overlap). */
  readonly refreshAfterCalls?: number;
}

async function world(t: TestContext, options: WorldOptions = {}): Promise<World> {
  const fake = await startFakeGithubRest(t, REST_DATA, { ghu_alice: 'alice', ghu_alice_2: 'alice' });
  const stores = createMemoryStores();
  const clock = createFakeClock(START);
  const logger = createRecordingLogger();
  const subject = options.subject ?? 'github:1001';
  const upstreamJson = JSON.stringify(options.upstream ?? { access_token: 'ghu_alice', scopes: ['repo'] });
  const grant = aGrant({ subject, clientId: 'claude', upstreamSealed: sealer.seal(upstreamJson) });
  await stores.grants.createGrant(grant);
  const revoked: string[] = [];
  const refreshes: string[] = [];
  let asked = 0;
  let allAsked!: () => void;
  const gate = new Promise<void>((resolve) => (allAsked = resolve));
  const refresher: UpstreamRefresher = {
    refresh: async (tokens) => {
      refreshes.push(tokens);
      if (options.refreshAfterCalls !== undefined) await gate;
      return JSON.stringify({ access_token: 'ghu_alice_2', refresh_token: 'ghr_2', expires_at: START + 8 * 3600, scopes: ['repo'] });
    },
  };
  const tokens = createUpstreamTokens({ grants: stores.grants, sealer, clock, refresher, logger, onGrantRevoked: (id) => revoked.push(id) });
  const upstream: UpstreamTokens = {
    ...tokens,
    accessTokenFor: (grantId) => {
      asked += 1;
      if (asked === options.refreshAfterCalls) allAsked();
      return tokens.accessTokenFor(grantId);
    },
  };
  const packs = packsForProvider(options.provider ?? 'github', { upstream, githubApiBaseUrl: fake.apiBaseUrl, githubTimeoutMs: 2000, logger });
  const factory = createServerFactory({ packs, name: 'keyway-test', version: '0.0.1', logger });
  const principal: Principal = { subject, clientId: 'claude', grantId: grant.grantId, scopes: ['mcp'] };

  const client = async (who: Principal = principal): Promise<Client> => {
    const handler = createMcpHandler(factory, { bus: factory.bus });
    const authInfo = toAuthInfo(who);
    const transport = new StreamableHTTPClientTransport(new URL('http://keyway.test/mcp'), {
      fetch: (input, init) => handler.fetch(new Request(input, init), { authInfo }),
    });
    const mcp = new Client({ name: 'identity-packs-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await mcp.connect(transport);
    t.after(async () => {
      await mcp.close();
      await handler.close();
    });
    return mcp;
  };
  const call = async (mcp: Client, name: string, args: Record<string, unknown> = {}): Promise<CallResult> =>
    (await mcp.callTool({ name, arguments: args })) as unknown as CallResult;
  const sealedTokens = async (): Promise<Record<string, unknown>> =>
    JSON.parse(sealer.open((await stores.grants.findGrant(grant.grantId))?.upstreamSealed ?? '')) as Record<string, unknown>;
  return { fake, stores, revoked, refreshes, principal, client, call, sealedTokens };
}

const textOf = (result: CallResult): string => result.content.map((block) => block.text ?? '').join('\n');
const jsonOf = (result: CallResult): Record<string, unknown> => JSON.parse(textOf(result)) as Record<string, unknown>;

describe('tools a provider cannot serve are not listed', () => {
  const expected: Record<IdentityProviderKind, string[]> = {
    local: ['get_user_profile'],
    oidc: ['get_user_profile'],
    github: ['get_user_profile', 'list_repositories', 'get_repository', 'list_issues', 'search_issues'],
  };
  for (const provider of ['local', 'oidc', 'github'] as const) {
    test(`${provider}: ${expected[provider].join(', ')}`, async (t) => {
      const w = await world(t, { provider });
      const { tools } = await (await w.client()).listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), [...expected[provider]].sort());
    });
  }
});

describe('GitHub, through a real MCP client', () => {
  test("get_user_profile and list_repositories answer with the fake GitHub's data, read with the user's own token", async (t) => {
    const w = await world(t);
    const client = await w.client();
    const profile = await w.call(client, 'get_user_profile');
    assert.equal(profile.isError, undefined);
    assert.deepEqual(profile.structuredContent, jsonOf(profile));
    assert.equal(jsonOf(profile)['login'], 'alice');
    assert.equal(jsonOf(profile)['id'], 1001);
    const repos = await w.call(client, 'list_repositories', { affiliation: ['owner'] });
    assert.deepEqual((jsonOf(repos)['repositories'] as Array<{ full_name: string }>).map((r) => r.full_name), ['alice/wonderland', 'alice/diary']);
    assert.ok(w.fake.requests.every((r) => r.authorization === 'Bearer ghu_alice'));
  });

  test('E6 no tool result carries an upstream token', async (t) => {
    const w = await world(t);
    const client = await w.client();
    const results = await Promise.all([
      w.call(client, 'get_user_profile'),
      w.call(client, 'list_repositories'),
      w.call(client, 'get_repository', { owner: 'alice', repo: 'wonderland' }),
      w.call(client, 'list_issues', { state: 'all' }),
      w.call(client, 'search_issues', { q: 'rabbit' }),
    ]);
    for (const result of results) assert.doesNotMatch(JSON.stringify(result), /ghu_|ghr_/);
  });

  test('bad arguments come back as tool errors naming the argument, before GitHub is called', async (t) => {
    const w = await world(t);
    const client = await w.client();
    const tooMany = await w.call(client, 'list_repositories', { per_page: 500 });
    assert.equal(tooMany.isError, true);
    assert.match(textOf(tooMany), /per_page must be <= 100/);
    const traversal = await w.call(client, 'get_repository', { owner: 'alice', repo: '..' });
    assert.equal(traversal.isError, true);
    assert.match(textOf(traversal), /repo must match pattern/);
    assert.equal(w.fake.requests.length, 0);
  });

  test('a rate limit and a missing permission come back as tool errors the model can act on', async (t) => {
    const w = await world(t);
    const client = await w.client();
    const sso = await w.call(client, 'get_repository', { owner: 'sso-org', repo: 'vault' });
    assert.equal(sso.isError, true);
    assert.match(textOf(sso), /SAML single sign-on.*https:\/\/github\.example\/orgs\/sso-org\/sso/);
    w.fake.fail('secondary_rate_limit');
    const limited = await w.call(client, 'list_issues');
    assert.equal(limited.isError, true);
    assert.match(textOf(limited), /rate limit.*Retry after 42 seconds/);
  });

  test('E7 ten concurrent tool calls on an expiring token cause one upstream refresh; every call succeeds with the new token, sealed back', { timeout: 20_000 }, async (t) => {
    const w = await world(t, { upstream: { access_token: 'ghu_alice', refresh_token: 'ghr_1', expires_at: START + 60, scopes: ['repo'] }, refreshAfterCalls: 10 });
    const client = await w.client();
    const results = await Promise.all(Array.from({ length: 10 }, () => w.call(client, 'list_repositories')));
    assert.ok(results.every((result) => result.isError === undefined), JSON.stringify(results.find((r) => r.isError)));
    assert.equal(w.refreshes.length, 1);
    assert.equal(w.fake.requests.length, 10);
    assert.ok(w.fake.requests.every((r) => r.authorization === 'Bearer ghu_alice_2'));
    assert.equal((await w.sealedTokens())['access_token'], 'ghu_alice_2');
    assert.deepEqual(w.revoked, []);
  });

  test('E7 a token the user revoked at GitHub ends the grant: the tool says reconnect, the MCP tokens die, sessions are told', async (t) => {
    const w = await world(t);
    const grantId = w.principal.grantId ?? '';
    await w.stores.grants.saveAccessToken({ tokenHash: 'hash-of-mcp-token', grantId, clientId: 'claude', subject: w.principal.subject, scopes: ['mcp'], resource: 'https://mcp.example.com/mcp', expiresAt: START + 3600 });
    const client = await w.client();
    w.fake.revokeToken('ghu_alice');
    const result = await w.call(client, 'list_repositories');
    assert.equal(result.isError, true);
    assert.match(textOf(result), /reconnect this connector/);
    assert.ok((await w.stores.grants.findGrant(grantId))?.revokedAt !== undefined);
    assert.equal(await w.stores.grants.findAccessToken('hash-of-mcp-token', START), undefined, 'the next /mcp request gets 401');
    assert.deepEqual(w.revoked, [grantId]);
    const after = await w.call(client, 'get_user_profile');
    assert.match(textOf(after), /reconnect/);
    assert.equal(w.fake.requests.length, 1, 'no further GitHub request on an ended grant');
  });
});

describe('other providers, through a real MCP client', () => {
  test('OpenID Connect: get_user_profile shows the standard claims kept in the grant', async (t) => {
    const claims = { sub: 'u-1', name: 'Ada', email: 'ada@example.com', groups: ['x'] };
    const w = await world(t, { provider: 'oidc', subject: 'oidc:https://idp.example#u-1', upstream: { access_token: 'at', scopes: ['openid'], id_token_claims_subset: claims } });
    const result = await w.call(await w.client(), 'get_user_profile');
    assert.deepEqual(jsonOf(result), { provider: 'oidc', subject: 'oidc:https://idp.example#u-1', issuer: 'https://idp.example', name: 'Ada', email: 'ada@example.com' });
  });

  test('local sign-in: get_user_profile shows the name', async (t) => {
    const w = await world(t, { provider: 'local', subject: 'local:alice' });
    const result = await w.call(await w.client(), 'get_user_profile');
    assert.deepEqual(jsonOf(result), { provider: 'local', subject: 'local:alice', name: 'alice' });
  });
});
