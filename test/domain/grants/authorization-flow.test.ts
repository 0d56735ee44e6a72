import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import type { Client } from '../../../src/domain/clients/client.js';
import type { ClientRegistry } from '../../../src/domain/clients/registry.js';
import { DomainError } from '../../../src/domain/errors.js';
import {
  createAuthorizationFlow,
  FLOW_TTL_SECONDS,
  type AuthorizeInput,
  type AuthorizeOutcome,
  type CallbackOutcome,
  type ConsentNeeded,
  type LoginStarted,
} from '../../../src/domain/grants/authorization-flow.js';
import type { AuthorizationParams } from '../../../src/domain/grants/authorization-request.js';
import type { Identity, IdentityProvider } from '../../../src/domain/ports/identity.js';
import type { Random } from '../../../src/domain/ports/random.js';
import type { GrantStore } from '../../../src/domain/ports/stores.js';
import { AUTHORIZATION_CODE_PREFIX } from '../../../src/domain/tokens/token.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { aPolicy, aPublicClient, createFakeClientRegistry, createRecordingLogger, createReversibleSealer, createTestHasher, START } from '../../support/oauth-mothers.js';

const CLAUDE = 'https://claude.ai/api/mcp/auth_callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CALLBACK = 'https://mcp.example.com/callback';

type Finish = (params: Readonly<Record<string, string>>, secret: string) => Promise<Identity>;

/** A provider that records sign-ins started and accepts `code=good` with the secret it handed out. */
function createFakeIdentity(finish?: Finish): IdentityProvider & { readonly starts: Array<{ state: string; callbackUrl: string }> } {
  const starts: Array<{ state: string; callbackUrl: string }> = [];
  return {
    name: 'fake',
    starts,
    startLogin: async (input) => {
      starts.push({ ...input });
      return { redirectTo: `https://idp.example/authorize?state=${encodeURIComponent(input.state)}`, secret: `secret-for-${input.state}` };
    },
    finishLogin: async ({ params, secret }) => {
      if (finish !== undefined) return finish(params, secret);
      if (params.code === 'good' && secret === `secret-for-${params.state}`) return { subject: 'local:alice', name: 'alice' };
      throw new DomainError('upstream_failed', 'bad code');
    },
  };
}

interface WorldOptions {
  readonly clients?: readonly Client[];
  readonly registry?: ClientRegistry;
  readonly finish?: Finish;
  readonly grants?: (grants: GrantStore) => GrantStore;
}

function world(options: WorldOptions = {}) {
  const clock = createFakeClock(START);
  const stores = createMemoryStores();
  const hasher = createTestHasher();
  const logger = createRecordingLogger();
  const identity = createFakeIdentity(options.finish);
  const requestedBytes: Array<number | undefined> = [];
  const crypto = createCryptoRandom();
  const random: Random = { token: (bytes) => (requestedBytes.push(bytes), crypto.token(bytes)) };
  const clientA = aPublicClient({ clientId: 'client-a', clientName: 'Claude', redirectUris: [CLAUDE, 'https://claude.com/api/mcp/auth_callback'] });
  const clientB = aPublicClient({ clientId: 'client-b', clientName: 'Evil', redirectUris: ['https://evil.example/cb'] });
  const loopback = aPublicClient({ clientId: 'client-loop', redirectUris: ['http://127.0.0.1:33418/cb', 'http://localhost/callback'] });
  const registry = options.registry ?? createFakeClientRegistry(options.clients ?? [clientA, clientB, loopback]);
  const grants = options.grants?.(stores.grants) ?? stores.grants;
  const policy = aPolicy({ scopes: ['mcp', 'tools:write'] });
  const flow = createAuthorizationFlow({ clients: registry, flows: stores.flows, grants, consents: stores.consents, identity, clock, random, hasher, sealer: createReversibleSealer(), policy, callbackUrl: CALLBACK, logger });
  return { flow, clock, stores, hasher, logger, identity, requestedBytes, policy, clientA, clientB };
}

type World = ReturnType<typeof world>;

function params(overrides: Partial<AuthorizationParams> = {}): AuthorizationParams {
  return { responseType: 'code', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256', scope: 'mcp', state: 'client-state', resources: [], repeated: [], ...overrides };
}

function input(overrides: Partial<AuthorizeInput> = {}, paramOverrides: Partial<AuthorizationParams> = {}): AuthorizeInput {
  return { clientId: 'client-a', redirectUri: CLAUDE, params: params(paramOverrides), browser: { binding: 'browser-1', trustedNavigation: false }, ...overrides };
}

function expectKind<K extends AuthorizeOutcome['kind'] | CallbackOutcome['kind']>(outcome: { kind: string }, kind: K): void {
  assert.equal(outcome.kind, kind, JSON.stringify(outcome));
}

async function consent(w: World, overrides: Partial<AuthorizeInput> = {}, paramOverrides: Partial<AuthorizationParams> = {}): Promise<ConsentNeeded> {
  const outcome = await w.flow.authorize(input(overrides, paramOverrides));
  expectKind(outcome, 'consent');
  return outcome as ConsentNeeded;
}

async function approved(w: World, binding = 'browser-1'): Promise<LoginStarted> {
  const page = await consent(w, { browser: { binding, trustedNavigation: false } });
  const outcome = await w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding, approve: true });
  expectKind(outcome, 'login');
  return outcome as LoginStarted;
}

/** `cookieState` null: the browser has no state cookie. */
function callback(w: World, login: LoginStarted, extra: Record<string, string> = { code: 'good' }, cookieState: string | null = login.upstreamState) {
  return w.flow.finish({ state: login.upstreamState, ...(cookieState === null ? {} : { cookieState }), params: { state: login.upstreamState, ...extra } });
}

describe('client and redirect URI come first: a local page, never a redirect (Decision 3)', () => {
  test('C1 an unknown client_id → local 400, even with a plausible redirect_uri and a broken request', async () => {
    const w = world();
    const outcome = await w.flow.authorize(input({ clientId: 'github-oauth-app-id' }, { responseType: 'token', codeChallenge: undefined }));
    assert.deepEqual({ kind: outcome.kind, status: 'status' in outcome ? outcome.status : 0 }, { kind: 'refused', status: 400 });
    assert.equal(w.identity.starts.length, 0);
  });

  test('C1 no client_id → local 400', async () => {
    expectKind(await world().flow.authorize(input({ clientId: undefined })), 'refused');
  });

  test('C1 several registered URIs and none sent → local 400; exactly one registered → that one is used', async () => {
    const w = world();
    expectKind(await w.flow.authorize(input({ redirectUri: undefined })), 'refused');
    const page = await consent(w, { clientId: 'client-b', redirectUri: undefined });
    assert.equal(page.view.redirectUri, 'https://evil.example/cb');
  });

  test('C2 a redirect_uri registered only to another client → local 400', async () => {
    expectKind(await world().flow.authorize(input({ redirectUri: 'https://evil.example/cb' })), 'refused');
  });

  test('C3 near-miss variants of a registered redirect URI → local 400, and the mismatch is logged (M4)', async () => {
    const w = world();
    const variants = [
      'https://Claude.ai/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/auth_callback/',
      'https://claude.ai/api/mcp/auth_callbackx',
      'https://claude.ai/api/mcp/../mcp/auth_callback',
      'https://claude.ai/api/mcp/auth%5Fcallback',
      'https://user@claude.ai/api/mcp/auth_callback',
      'https://claude.ai.evil.example/api/mcp/auth_callback',
      'https://claude.ai:443/api/mcp/auth_callback',
      'http://claude.ai/api/mcp/auth_callback',
      'https://c1aude.ai/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/auth_callback#frag',
      'https://claude.ai/api/mcp/auth_callback?x=1',
    ];
    for (const redirectUri of variants) expectKind(await w.flow.authorize(input({ redirectUri })), 'refused');
    assert.equal(w.logger.events.filter((event) => event.event === 'oauth.redirect_uri_mismatch').length, variants.length);
  });

  test('C4 loopback: the port may vary, nothing else; localhost and 127.0.0.1 never match each other', async () => {
    const w = world();
    const loop = (redirectUri: string) => w.flow.authorize(input({ clientId: 'client-loop', redirectUri }));
    const accepted = await loop('http://127.0.0.1:50123/cb');
    expectKind(accepted, 'consent');
    assert.equal((accepted as ConsentNeeded).view.redirectUri, 'http://127.0.0.1:50123/cb', 'the presented port is where the code goes');
    for (const redirectUri of ['http://127.0.0.1:50123/other', 'http://localhost:50123/cb', 'http://localhost.evil.example/callback', 'http://localhost@evil.example/callback']) {
      expectKind(await loop(redirectUri), 'refused');
    }
  });

  test('C1 a client metadata document that cannot be fetched → local 400', async () => {
    const registry = { ...createFakeClientRegistry([]), resolve: async () => Promise.reject(new DomainError('fetch_failed', 'unreachable')) };
    expectKind(await world({ registry }).flow.authorize(input({ clientId: 'https://app.example/client.json' })), 'refused');
  });

  test('C9 a state over 2 KiB → local 400, never reflected or a 500', async () => {
    expectKind(await world().flow.authorize(input({}, { state: 'x'.repeat(10 * 1024) })), 'refused');
  });
});

describe('errors after validation go back to the client with its state (C5–C7)', () => {
  test('C5 response_type=token → unsupported_response_type at the validated URI, state kept', async () => {
    const outcome = await world().flow.authorize(input({}, { responseType: 'token', state: 'a&b' }));
    assert.deepEqual(outcome, { kind: 'redirect_error', redirectUri: CLAUDE, error: 'unsupported_response_type', description: 'only response_type=code is supported', state: 'a&b' });
  });

  test('C6 no code_challenge → invalid_request; no state sent → none returned', async () => {
    const outcome = await world().flow.authorize(input({}, { codeChallenge: undefined, state: undefined }));
    expectKind(outcome, 'redirect_error');
    assert.equal('state' in outcome, false);
    assert.equal(outcome.kind === 'redirect_error' && outcome.error, 'invalid_request');
  });

  test('C7 a resource of another server → invalid_target', async () => {
    const outcome = await world().flow.authorize(input({}, { resources: ['https://other.example/mcp'] }));
    assert.equal(outcome.kind === 'redirect_error' && outcome.error, 'invalid_target');
  });
});

describe('consent (D1, D2, D3, D8)', () => {
  const trusted = (subject: string) => ({ browser: { binding: 'browser-1', rememberedSubject: subject, trustedNavigation: true } });

  test('D1 approving client A never covers client B: B gets the consent page, and nothing goes upstream', async () => {
    const w = world();
    await w.stores.consents.remember({ subject: 'local:alice', clientId: 'client-a', redirectUri: CLAUDE, scopeKey: 'mcp', createdAt: START });
    const page = await consent(w, { clientId: 'client-b', redirectUri: 'https://evil.example/cb', ...trusted('local:alice') });
    assert.equal(page.view.clientId, 'client-b');
    assert.equal(w.identity.starts.length, 0);
  });

  test('D2 remembered consent applies to the same user, client, redirect URI and scopes only', async () => {
    const w = world();
    await w.stores.consents.remember({ subject: 'local:alice', clientId: 'client-a', redirectUri: CLAUDE, scopeKey: 'mcp', createdAt: START });
    expectKind(await w.flow.authorize(input(trusted('local:alice'))), 'login');
    expectKind(await w.flow.authorize(input({ redirectUri: 'https://claude.com/api/mcp/auth_callback', ...trusted('local:alice') })), 'consent');
    expectKind(await w.flow.authorize(input(trusted('local:alice'), { scope: 'mcp tools:write' })), 'consent');
    expectKind(await w.flow.authorize(input(trusted('local:bob'))), 'consent');
  });

  test('D8 remembered consent and a cross-site navigation → the consent page, never a silent approval', async () => {
    const w = world();
    await w.stores.consents.remember({ subject: 'local:alice', clientId: 'client-a', redirectUri: CLAUDE, scopeKey: 'mcp', createdAt: START });
    expectKind(await w.flow.authorize(input({ browser: { binding: 'b', rememberedSubject: 'local:alice', trustedNavigation: false } })), 'consent');
    assert.equal(w.identity.starts.length, 0);
  });

  test('D3 the view names the client as registered, its kind, the redirect URI, the scopes, and flags loopback-only clients', async () => {
    const w = world();
    const page = await consent(w);
    assert.deepEqual(page.view, { clientId: 'client-a', clientName: 'Claude', clientKind: 'dynamic', redirectUri: CLAUDE, allLoopback: false, scopes: ['mcp'] });
    const loop = await consent(w, { clientId: 'client-loop', redirectUri: 'http://127.0.0.1:1234/cb' });
    assert.equal(loop.view.allLoopback, true);
  });
});

describe('the consent decision (C8, D5, D6)', () => {
  test('D6 nothing goes upstream before approval; approval starts one sign-in with a 256-bit state at our callback', async () => {
    const w = world();
    const page = await consent(w);
    assert.equal(w.identity.starts.length, 0);
    const login = await w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding: 'browser-1', approve: true });
    expectKind(login, 'login');
    assert.deepEqual(w.identity.starts, [{ state: (login as LoginStarted).upstreamState, callbackUrl: CALLBACK }]);
    assert.ok(w.requestedBytes.every((bytes) => bytes === undefined || bytes >= 16), 'E1: 128 bits or more');
  });

  test('D5 a forged token, another browser, another flow’s token, or a replay → 403, and a forgery burns nothing', async () => {
    const w = world();
    const page = await consent(w);
    const other = await consent(w);
    const decide = (overrides: Partial<{ flowId: string; csrfToken: string; binding: string }>) =>
      w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding: 'browser-1', approve: true, ...overrides });
    for (const forged of [{ csrfToken: 'forged' }, { csrfToken: '' }, { binding: 'browser-2' }, { csrfToken: other.csrfToken }]) {
      assert.deepEqual(await decide(forged), { kind: 'refused', status: 403, message: 'This consent form is invalid, expired or was already used. Start again from your application.' });
    }
    expectKind(await decide({}), 'login');
    assert.equal((await decide({})).kind === 'refused' && 403, 403, 'a replayed token');
    assert.equal(w.identity.starts.length, 1);
  });

  test('D5 a consent form older than 10 minutes → 403', async () => {
    const w = world();
    const page = await consent(w);
    w.clock.advance(FLOW_TTL_SECONDS);
    const outcome = await w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding: 'browser-1', approve: true });
    assert.equal(outcome.kind === 'refused' && outcome.status, 403);
  });

  test('C8 Deny with a valid form → access_denied to the validated URI with the client’s state; logged (M4)', async () => {
    const w = world();
    const page = await consent(w);
    const outcome = await w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding: 'browser-1', approve: false });
    assert.deepEqual(outcome, { kind: 'redirect_error', redirectUri: CLAUDE, error: 'access_denied', description: 'the user denied the request', state: 'client-state' });
    assert.ok(w.logger.events.some((event) => event.event === 'oauth.consent_denied'));
    assert.equal(w.identity.starts.length, 0);
  });
});

describe('the callback (E1–E4)', () => {
  test('E2 a missing, unknown, reused or expired state → 400', async () => {
    const w = world();
    assert.equal(((await w.flow.finish({ params: {} })) as { status?: number }).status, 400);
    assert.equal(((await w.flow.finish({ state: 'unknown', cookieState: 'unknown', params: {} })) as { status?: number }).status, 400);
    const login = await approved(w);
    expectKind(await callback(w, login), 'issued');
    assert.equal(((await callback(w, login)) as { status?: number }).status, 400, 'reused');
    const late = await approved(w);
    w.clock.advance(FLOW_TTL_SECONDS);
    assert.equal(((await callback(w, late)) as { status?: number }).status, 400, 'E1: gone within 10 minutes');
  });

  test('D7 E2 a valid state from another browser → 403, and it stays usable by its own browser', async () => {
    const w = world();
    const login = await approved(w);
    assert.equal(((await callback(w, login, { code: 'good' }, null)) as { status?: number }).status, 403);
    assert.equal(((await callback(w, login, { code: 'good' }, 'another-state')) as { status?: number }).status, 403);
    expectKind(await callback(w, login), 'issued');
  });

  test('E2 upstream access_denied with a valid state → access_denied to the client with its original state', async () => {
    const w = world();
    const outcome = await callback(w, await approved(w), { error: 'access_denied', error_description: 'no' });
    assert.deepEqual(outcome, { kind: 'redirect_error', redirectUri: CLAUDE, error: 'access_denied', description: 'the user denied access at the identity provider', state: 'client-state' });
  });

  test('E3 markup in the upstream error → local 400 that does not echo it; a plain unknown code → server_error', async () => {
    const w = world();
    const outcome = await callback(w, await approved(w), { error: '<script>alert(1)</script>' });
    assert.equal(outcome.kind === 'refused' && outcome.status, 400);
    assert.doesNotMatch(JSON.stringify(outcome), /script/);
    const plain = await callback(w, await approved(w), { error: 'invalid_scope' });
    assert.equal(plain.kind === 'redirect_error' && plain.error, 'server_error');
  });

  test('E4 a provider failure → temporarily_unavailable; a crash → server_error (redirect errors)', async () => {
    const failing = (error: Error) => world({ finish: async () => Promise.reject(error) });
    for (const [error, expected] of [
      [new DomainError('upstream_failed', 'timeout'), 'temporarily_unavailable'],
      [new Error('socket hang up'), 'server_error'],
    ] as const) {
      const w = failing(error);
      const outcome = await callback(w, await approved(w));
      assert.equal(outcome.kind === 'redirect_error' && outcome.error, expected, error.message);
      assert.equal(outcome.kind === 'redirect_error' && outcome.state, 'client-state');
    }
  });

  test('a refused account gets the provider’s reason on a local 403 page, and nothing is issued', async () => {
    const reason = 'Your GitHub account is not a member of an allowed organization.';
    const w = world({ finish: async () => Promise.reject(new DomainError('login_refused', reason)) });
    const outcome = await callback(w, await approved(w));
    assert.equal(outcome.kind, 'refused');
    assert.ok(outcome.kind === 'refused');
    assert.equal(outcome.status, 403);
    assert.equal(outcome.message, reason);
  });

  test('E4 storage failing while issuing → temporarily_unavailable to the client, never a throw', async () => {
    const w = world({ grants: (grants) => ({ ...grants, createGrant: async () => Promise.reject(new DomainError('storage_unavailable', 'down')) }) });
    const outcome = await callback(w, await approved(w));
    assert.equal(outcome.kind === 'redirect_error' && outcome.error, 'temporarily_unavailable');
  });

  test('F12 flow values live in their own namespaces: a state is no CSRF token, a CSRF token or flow id is no state', async () => {
    const w = world();
    const login = await approved(w);
    const page = await consent(w);
    const asCsrf = await w.flow.decide({ flowId: page.flowId, csrfToken: login.upstreamState, binding: 'browser-1', approve: true });
    assert.equal(asCsrf.kind === 'refused' && asCsrf.status, 403);
    for (const value of [page.csrfToken, page.flowId]) {
      const asState = await w.flow.finish({ state: value, cookieState: value, params: { state: value, code: 'good' } });
      assert.equal(asState.kind === 'refused' && asState.status, 400);
    }
    expectKind(await callback(w, login), 'issued');
    expectKind(await w.flow.decide({ flowId: page.flowId, csrfToken: page.csrfToken, binding: 'browser-1', approve: true }), 'login');
  });

  test('success: a Grant and a hashed, prefixed, single-use code bound to client, URI, challenge, resource and scopes', async () => {
    const w = world({ finish: async () => ({ subject: 'github:42', name: 'octo', upstreamTokens: '{"access_token":"gho_x"}' }) });
    const outcome = await callback(w, await approved(w));
    assert.equal(outcome.kind, 'issued');
    if (outcome.kind !== 'issued') return;
    assert.equal(outcome.redirectUri, CLAUDE);
    assert.equal(outcome.state, 'client-state');
    assert.ok(outcome.code.startsWith(AUTHORIZATION_CODE_PREFIX) && outcome.code.length >= AUTHORIZATION_CODE_PREFIX.length + 43);
    const redemption = await w.stores.grants.consumeCode(w.hasher.hash(outcome.code), w.clock.now());
    assert.equal(redemption.kind, 'redeemed');
    if (redemption.kind !== 'redeemed') return;
    const { grantId, ...code } = redemption.code;
    assert.deepEqual(code, { codeHash: w.hasher.hash(outcome.code), clientId: 'client-a', redirectUri: CLAUDE, codeChallenge: CHALLENGE, resource: w.policy.canonicalResource, scopes: ['mcp'], expiresAt: START + w.policy.codeTtlSeconds, consumedAt: START });
    const grant = await w.stores.grants.findGrant(grantId);
    assert.equal(grant?.subject, 'github:42');
    assert.equal(grant?.expiresAt, START + w.policy.grantMaxSeconds);
    assert.equal(grant?.resource, w.policy.canonicalResource);
    assert.notEqual(grant?.upstreamSealed, '{"access_token":"gho_x"}', 'upstream tokens are sealed');
    assert.equal(createReversibleSealer().open(grant?.upstreamSealed ?? ''), '{"access_token":"gho_x"}');
    assert.ok(await w.stores.consents.find('github:42', 'client-a', CLAUDE, 'mcp'), 'D2: the approval is remembered for this user');
  });
});
