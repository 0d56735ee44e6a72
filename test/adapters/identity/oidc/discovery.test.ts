import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import { createOidcIdentityProvider } from '../../../../src/adapters/identity/oidc/oidc-identity-provider.js';
import { isDomainError } from '../../../../src/domain/errors.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import { createRecordingLogger, type LoggedEvent } from '../../../support/oauth-mothers.js';
import { startOidcProvider } from '../../../support/oidc-provider.js';
import { adapterOptions, rewritingFetch } from './oidc-world.js';

async function listen(t: TestContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startupFails(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDomainError(error), String(error));
    assert.equal(error.code, 'upstream_failed');
    assert.match(error.message, message);
    return true;
  });
}

const clock = createFakeClock(Math.floor(Date.now() / 1000));

describe('OIDC discovery at start-up', () => {
  test('finds the provider from its issuer and keeps its exact issuer identifier', async (t) => {
    const idp = await startOidcProvider(t);
    const provider = await createOidcIdentityProvider(adapterOptions(idp, clock, []));
    assert.equal(provider.name, 'oidc');
    assert.equal(provider.issuer, idp.issuer);
    assert.ok(idp.requests.includes('GET /.well-known/openid-configuration'));
  });

  test('a discovery document that names another issuer is refused (mix-up), naming both', async (t) => {
    const idp = await startOidcProvider(t);
    const impostor = await listen(t, createServer((req, res) => {
      void fetch(`${idp.issuer}${req.url ?? '/'}`).then(async (upstream) => res.writeHead(upstream.status, { 'Content-Type': 'application/json' }).end(await upstream.text()));
    }));
    const failure = createOidcIdentityProvider(adapterOptions(idp, clock, [], { issuer: impostor }));
    await startupFails(failure, new RegExp(`${impostor}/\\.well-known/openid-configuration.*"${idp.issuer}"`));
  });

  test('the issuer must match character for character (a trailing slash is another issuer)', async (t) => {
    const idp = await startOidcProvider(t);
    await startupFails(createOidcIdentityProvider(adapterOptions(idp, clock, [], { issuer: `${idp.issuer}/` })), /exactly the provider's value/);
  });

  test('a provider that is down stops start-up with a clear error, quickly', async (t) => {
    const server = createServer();
    const url = await listen(t, server);
    server.close();
    const began = performance.now();
    await startupFails(createOidcIdentityProvider({ issuer: url, clientId: 'x', clock, logger: createRecordingLogger() }), /discovery at .*could not be reached/);
    assert.ok(performance.now() - began < 2000);
  });

  test('L5 a provider that never answers discovery is given up on after timeoutMs', async (t) => {
    const hanging = await listen(t, createServer(() => undefined));
    const began = performance.now();
    const options = { issuer: hanging, clientId: 'x', timeoutMs: 300, clock, logger: createRecordingLogger() };
    await startupFails(createOidcIdentityProvider(options), /did not answer the discovery request within 300 ms/);
    assert.ok(performance.now() - began < 2000);
  });

  test('plain http off loopback, or an issuer that is no usable URL, is refused before any request is made', async () => {
    const calls: string[] = [];
    const spy: typeof fetch = async (input) => {
      calls.push(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
      return new Response('{}');
    };
    const options = { issuer: 'http://idp.example.test', clientId: 'x', fetch: spy, clock, logger: createRecordingLogger() };
    await startupFails(createOidcIdentityProvider(options), /discovery at http:\/\/idp\.example\.test\/.*HTTPS/);
    await startupFails(createOidcIdentityProvider({ ...options, issuer: 'not a url' }), /"not a url" is not a URL/);
    await startupFails(createOidcIdentityProvider({ ...options, issuer: 'https://idp.example.test/?tenant=1' }), /must not carry a query/);
    assert.deepEqual(calls, []);
  });

  test('a provider without a token endpoint cannot be used', async (t) => {
    const idp = await startOidcProvider(t);
    const withoutToken = rewritingFetch((url, body) => (url.pathname.endsWith('/openid-configuration') ? { ...body, token_endpoint: undefined } : body));
    await startupFails(createOidcIdentityProvider(adapterOptions(idp, clock, [], { fetch: withoutToken })), /names no token_endpoint/);
  });

  test('userinfo on, at a provider without a userinfo endpoint, stops start-up; left unset it is skipped', async (t) => {
    const idp = await startOidcProvider(t);
    const events: LoggedEvent[] = [];
    const withoutUserinfo = rewritingFetch((url, body) => (url.pathname.endsWith('/openid-configuration') ? { ...body, userinfo_endpoint: undefined } : body));
    await startupFails(createOidcIdentityProvider(adapterOptions(idp, clock, events, { fetch: withoutUserinfo, useUserinfo: true })), /no userinfo_endpoint: turn userinfo off/);
    const provider = await createOidcIdentityProvider(adapterOptions(idp, clock, events, { fetch: withoutUserinfo }));
    const start = await provider.startLogin({ state: 'st', callbackUrl: 'http://127.0.0.1:8123/callback' });
    const params = await idp.completeLogin(start.redirectTo, 'alice');
    await provider.finishLogin({ params, secret: start.secret, callbackUrl: 'http://127.0.0.1:8123/callback' });
    assert.ok(!idp.requests.some((request) => request.endsWith(' /me')), idp.requests.join(', '));
  });
});
