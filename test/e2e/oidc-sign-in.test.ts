import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startOidcKeyway, type OidcKeyway } from '../support/e2e-idp-oidc.js';
import { connectThroughOAuth, type SdkSession } from '../support/e2e-idp-sdk.js';
import { startKeyway } from '../support/keyway.js';

/**
 * Issue 4 end to end with any OpenID Connect provider: a real `oidc-provider` on loopback, a
 * Keyway configured only with `KEYWAY_IDP=oidc` and the provider's settings, and a real v2 SDK
 * client that consents at Keyway and signs in at the provider. The user is `oidc:<iss>#<sub>`
 * (SECURITY.md E5), their profile the standard claims, and the GitHub tools are not listed.
 */
async function connect(t: TestContext, world: OidcKeyway, login: string): Promise<SdkSession> {
  const session = await connectThroughOAuth(world.keyway.origin, { upstream: world.atProvider, userName: login, clientOptions: { versionNegotiation: { mode: 'auto' } } });
  t.after(() => session.client.close());
  return session;
}

async function structured(session: SdkSession, tool: string): Promise<Readonly<Record<string, unknown>>> {
  const outcome = await session.callTool(tool);
  assert.equal(outcome.isError, false, `${tool} failed: ${outcome.text}`);
  assert.ok(outcome.structured !== undefined, `${tool} returned no structured content`);
  return outcome.structured;
}

test('E5 E6 KEYWAY_IDP=oidc: consent, sign-in at the provider, get_user_profile shows the standard claims, whoami the issuer-scoped subject, no GitHub tools', async (t) => {
  const world = await startOidcKeyway(t);
  const { issuer } = world.idp;
  const alice = await connect(t, world, 'alice');
  assert.equal(alice.client.getNegotiatedProtocolVersion(), '2026-07-28');
  assert.ok(world.idp.requests.includes('POST /token'), 'Keyway redeemed the code at the provider');

  const { tools } = await alice.client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['count_slowly', 'echo', 'get_user_profile', 'whoami']);

  const subject = `oidc:${issuer}#248289761001`;
  assert.deepEqual(await structured(alice, 'get_user_profile'), {
    provider: 'oidc',
    subject,
    issuer,
    name: 'Alice Liddell',
    preferred_username: 'alice',
    email: 'alice@example.com',
    email_verified: true,
  });
  assert.equal((await structured(alice, 'whoami'))['subject'], subject, 'iss + sub, never the e-mail or the login (E5)');

  const bob = await connect(t, world, 'bob');
  assert.equal((await structured(bob, 'whoami'))['subject'], `oidc:${issuer}#5e6f1a90-77b1-4c1e-9a51-0d0f8b2b9c4e`);
  assert.equal((await structured(bob, 'get_user_profile'))['email'], 'bob@example.org', 'each user sees their own profile');
  assert.equal((await structured(alice, 'get_user_profile'))['email'], 'alice@example.com');

  for (const session of [alice, bob]) {
    const tokens = session.provider.tokens();
    assert.match(tokens?.access_token ?? '', /^kw_at_/, "Keyway's own token");
    assert.deepEqual(Object.keys(tokens ?? {}).filter((key) => key === 'id_token'), [], "the provider's ID token never reaches the client (E6)");
  }
});

test('KEYWAY_IDP=oidc without OIDC_ISSUER stops start-up with one line naming it', async (t) => {
  await assert.rejects(startKeyway(t, { KEYWAY_IDP: 'oidc', OIDC_CLIENT_ID: 'keyway' }), (error: Error) => {
    assert.match(error.message, /^OIDC_ISSUER: /);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    assert.match(error.message, /\/callback/, 'with the redirect URI to register');
    return true;
  });
});

/** A loopback server that is no OpenID provider: 404 for everything, or a discovery document of another issuer. */
async function notAProvider(t: TestContext, discovery: ((origin: string) => unknown) | undefined): Promise<string> {
  const server = createServer((req, res) => {
    if (discovery === undefined || req.url !== '/.well-known/openid-configuration') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(discovery(origin)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return origin;
}

const UNDISCOVERABLE: ReadonlyArray<{ readonly label: string; readonly discovery?: (origin: string) => unknown; readonly says?: RegExp }> = [
  { label: 'no discovery document (404)', says: /answered HTTP 404/ },
  {
    label: 'a discovery document naming another issuer',
    discovery: (origin) => ({ issuer: 'https://elsewhere.example', authorization_endpoint: `${origin}/auth`, token_endpoint: `${origin}/token`, jwks_uri: `${origin}/jwks` }),
  },
];

for (const { label, discovery, says } of UNDISCOVERABLE) {
  test(`an OIDC_ISSUER that cannot be discovered stops start-up with one OIDC_ISSUER line: ${label}`, async (t) => {
    const issuer = await notAProvider(t, discovery);
    await assert.rejects(startKeyway(t, { KEYWAY_IDP: 'oidc', OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'keyway' }), (error: Error) => {
      assert.match(error.message, /^OIDC_ISSUER: /);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      assert.ok(error.message.includes(issuer), `the line names what was tried: ${error.message}`);
      if (says !== undefined) assert.match(error.message, says);
      return true;
    });
  });
}
