import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { UnauthorizedError, type ClientOptions } from '@modelcontextprotocol/client';
import { startExpiryProxy } from '../support/e2e-idp-expiry-proxy.js';
import { startGithubKeyway, startGithubWithRest, type GithubKeyway } from '../support/e2e-idp-github.js';
import { connectThroughOAuth, type SdkSession, type ToolOutcome } from '../support/e2e-idp-sdk.js';

/**
 * Issue 4 end to end with GitHub: a real v2 SDK client connects to a Keyway configured only with
 * `KEYWAY_IDP=github` and the provider's settings, the person consents and authorizes at the fake
 * GitHub, and the GitHub tools read the fake's data with that user's own GitHub token — which
 * never reaches the client (SECURITY.md E6). Then what happens when GitHub stops accepting the
 * token (E7): revoked at GitHub, or about to expire under concurrent calls.
 */
const GITHUB_TOOLS = ['get_repository', 'list_issues', 'list_repositories', 'search_issues'];
const DIAGNOSTICS_TOOLS = ['count_slowly', 'echo', 'whoami'];

const ERAS: ReadonlyArray<{ readonly label: string; readonly options: ClientOptions; readonly version: string }> = [
  { label: 'version negotiation auto (2026-07-28)', options: { versionNegotiation: { mode: 'auto' } }, version: '2026-07-28' },
  { label: 'supportedProtocolVersions [2025-11-25] (initialize)', options: { supportedProtocolVersions: ['2025-11-25'] }, version: '2025-11-25' },
];

async function connectAlice(t: TestContext, world: GithubKeyway, options: ClientOptions = ERAS[0]?.options ?? {}): Promise<SdkSession> {
  const session = await connectThroughOAuth(world.keyway.origin, { upstream: world.atGithub, userName: 'alice', clientOptions: options });
  t.after(() => session.client.close());
  return session;
}

function succeeded(outcome: ToolOutcome, what: string): Readonly<Record<string, unknown>> {
  assert.equal(outcome.isError, false, `${what} failed: ${outcome.text}`);
  assert.ok(outcome.structured !== undefined, `${what} returned no structured content`);
  return outcome.structured;
}

const fullNames = (result: Readonly<Record<string, unknown>>): string[] =>
  (result['repositories'] as Array<{ full_name: string }>).map((repository) => repository.full_name).sort();

const issueRefs = (result: Readonly<Record<string, unknown>>): string[] =>
  (result['issues'] as Array<{ repository: string; number: number; pull_request?: boolean }>)
    .map((issue) => `${issue.repository}#${issue.number}${issue.pull_request === true ? ' (pr)' : ''}`)
    .sort();

async function pingMcp(origin: string, token: string): Promise<Response> {
  return fetch(new URL('/mcp', origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

const grants = (world: GithubKeyway, grantType: string): number => world.github.tokenRequests.filter((form) => form['grant_type'] === grantType).length;

for (const era of ERAS) {
  test(`E5 E6 KEYWAY_IDP=github, SDK client with ${era.label}: consent, GitHub sign-in, get_user_profile and the four GitHub tools read the fake's data`, async (t) => {
    const world = await startGithubKeyway(t, await startGithubWithRest(t));
    const session = await connectAlice(t, world, era.options);
    assert.equal(session.client.getNegotiatedProtocolVersion(), era.version);
    assert.match(session.provider.tokens()?.access_token ?? '', /^kw_at_/, "Keyway's own token, not GitHub's");

    const { tools } = await session.client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...DIAGNOSTICS_TOOLS, ...GITHUB_TOOLS, 'get_user_profile'].sort());

    const profile = succeeded(await session.callTool('get_user_profile'), 'get_user_profile');
    assert.deepEqual({ provider: profile['provider'], id: profile['id'], login: profile['login'], name: profile['name'] }, { provider: 'github', id: 1001, login: 'alice', name: 'Alice' });
    const identity = succeeded(await session.callTool('whoami'), 'whoami');
    assert.match(String(identity['subject']), /^github:(.+:)?1001$/, 'the immutable numeric GitHub id (E5)');

    const repositories = succeeded(await session.callTool('list_repositories'), 'list_repositories');
    assert.deepEqual(fullNames(repositories), ['acme/platform', 'alice/diary', 'alice/wonderland', 'bob/tools'], "alice's own, collaborated and organization repositories; never bob/secret");
    const assigned = succeeded(await session.callTool('list_issues'), 'list_issues');
    assert.deepEqual(issueRefs(assigned), ['acme/platform#4 (pr)', 'alice/wonderland#1']);
    const created = succeeded(await session.callTool('list_issues', { filter: 'created', state: 'all' }), 'list_issues created');
    assert.deepEqual(issueRefs(created), ['alice/wonderland#2', 'bob/tools#3']);
    const diary = succeeded(await session.callTool('get_repository', { owner: 'alice', repo: 'diary' }), 'get_repository');
    assert.deepEqual([diary['full_name'], diary['private']], ['alice/diary', true]);
    const found = succeeded(await session.callTool('search_issues', { q: 'rabbit is:open' }), 'search_issues');
    assert.deepEqual(issueRefs(found), ['acme/platform#4 (pr)', 'alice/wonderland#1'], "bob's private issue stays hidden");

    assert.ok(world.github.apiRequests.includes('GET /user/repos') && world.github.apiRequests.includes('GET /issues'), 'the tools asked GitHub itself');
    assert.equal(grants(world, 'authorization_code'), 1, 'one code exchange at GitHub');
    const seen = JSON.stringify([session.provider.tokens(), profile, identity, repositories, assigned, created, diary, found]);
    assert.doesNotMatch(seen, /gh[opsur]_/, 'no GitHub token reaches the client (E6)');
  });
}

test('E7 the user revokes the app at GitHub: the next GitHub tool call says to reconnect, Keyway ends the grant (/mcp 401 invalid_token), and the client re-authorizes', async (t) => {
  const world = await startGithubKeyway(t, await startGithubWithRest(t));
  const session = await connectAlice(t, world);
  succeeded(await session.callTool('list_repositories'), 'list_repositories before the revocation');
  const revokedToken = session.provider.tokens()?.access_token ?? '';

  world.github.revoke('alice');
  const refused = await session.callTool('list_repositories');
  assert.equal(refused.isError, true, 'a tool error the model can act on, not a protocol error');
  assert.match(refused.text, /reconnect/i);
  assert.match(refused.text, /GitHub/);
  assert.ok(
    world.keyway.logs.some((line) => line['event'] === 'upstream.grant_revoked' && line['reason'] === 'rejected_by_provider'),
    'Keyway revoked its grant because GitHub refused the token',
  );

  const probe = await pingMcp(world.keyway.origin, revokedToken);
  assert.equal(probe.status, 401);
  assert.match(probe.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);

  const authorizations = session.provider.authorizationUrls.length;
  await assert.rejects(session.callTool('get_user_profile'), (error) => error instanceof UnauthorizedError);
  const lines = session.recorder.lines();
  assert.ok(lines.includes('POST /mcp → 401'), `the SDK's next request was refused: ${lines.join(', ')}`);
  assert.ok(lines.includes('POST /token → 400'), 'its refresh token died with the grant');
  assert.equal(session.provider.authorizationUrls.length, authorizations + 1, 'the SDK sent the person through authorization again');

  await session.reconnect();
  const profile = succeeded(await session.callTool('get_user_profile'), 'get_user_profile after reconnecting');
  assert.equal(profile['login'], 'alice');
  assert.equal(grants(world, 'authorization_code'), 2, 'the new grant holds a new GitHub token');
  assert.equal((await pingMcp(world.keyway.origin, revokedToken)).status, 401, 'the old token stays dead');
});

test('E7 a GitHub App token inside the refresh window: ten concurrent tool calls cause exactly one upstream refresh, and all succeed', async (t) => {
  const github = await startGithubWithRest(t, { app: true });
  const proxy = await startExpiryProxy(t, github.webBaseUrl, 60);
  const world = await startGithubKeyway(t, github, proxy.origin);
  const session = await connectAlice(t, world);
  assert.equal(proxy.shortened(), 1, 'the sign-in token expires in a minute');
  assert.equal(grants(world, 'refresh_token'), 0);

  const settled = await Promise.allSettled(Array.from({ length: 10 }, () => session.callTool('list_repositories')));
  assert.equal(grants(world, 'refresh_token'), 1, 'one refresh at GitHub however many calls waited for it');
  for (const [index, result] of settled.entries()) {
    assert.equal(result.status, 'fulfilled', `call ${index} was rejected: ${result.status === 'rejected' ? String(result.reason) : ''}`);
    if (result.status === 'fulfilled') assert.equal(fullNames(succeeded(result.value, `call ${index}`)).length, 4);
  }
  assert.equal(world.keyway.logs.filter((line) => line['event'] === 'upstream.refreshed').length, 1);

  succeeded(await session.callTool('get_user_profile'), 'get_user_profile with the refreshed token');
  assert.equal(grants(world, 'refresh_token'), 1, 'the refreshed token (8 h) needs no further refresh');
  assert.ok(!world.keyway.logs.some((line) => line['event'] === 'upstream.grant_revoked'), 'the grant survived');
});
