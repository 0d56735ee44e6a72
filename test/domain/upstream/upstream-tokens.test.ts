import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../../src/domain/errors.js';
import type { UpstreamRefresher } from '../../../src/domain/ports/upstream.js';
import { createUpstreamTokens, type UpstreamTokensDeps } from '../../../src/domain/upstream/upstream-tokens.js';
import { createRecordingLogger, createReversibleSealer, START } from '../../support/oauth-mothers.js';
import { createTokenWorld, type TokenWorld } from '../../support/token-world.js';

/**
 * The signed-in user's upstream tokens: opened from the grant, refreshed once per grant however
 * many calls wait, sealed back; and the grant revoked (so the client re-authorizes) when the
 * provider can no longer be reached on the user's behalf.
 */

const sealer = createReversibleSealer();
const SKEW = 300;

interface TokenJson {
  access_token: string;
  refresh_token?: string;
  expires_at?: number;
  refresh_token_expires_at?: number;
  scopes?: string[];
  id_token_claims_subset?: Record<string, unknown>;
}

const tokenJson = (overrides: Partial<TokenJson> = {}): string =>
  JSON.stringify({ access_token: 'ghu_old', refresh_token: 'ghr_old', expires_at: START + 8 * 3600, refresh_token_expires_at: START + 180 * 24 * 3600, scopes: [], ...overrides });

/** A refresher that counts calls and answers what the test says, optionally after a gate opens. */
function fakeRefresher(answer: (tokens: string, call: number) => Promise<string> | string) {
  const seen: string[] = [];
  const refresher: UpstreamRefresher = {
    refresh: async (tokens) => {
      seen.push(tokens);
      return answer(tokens, seen.length);
    },
  };
  return { refresher, seen };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

interface Setup {
  readonly world: TokenWorld;
  readonly grantId: string;
  /** The client's MCP access token for the grant. */
  readonly accessToken: string;
  readonly revoked: string[];
  readonly logger: ReturnType<typeof createRecordingLogger>;
  readonly upstream: ReturnType<typeof createUpstreamTokens>;
  sealedJson(): Promise<TokenJson | undefined>;
}

async function setup(upstreamJson: string | undefined, refresher?: UpstreamRefresher, overrides: Partial<UpstreamTokensDeps> = {}): Promise<Setup> {
  const world = createTokenWorld();
  const { tokens, authorized } = await world.issue();
  const grantId = authorized.grant.grantId;
  if (upstreamJson !== undefined) await world.store.updateUpstream(grantId, sealer.seal(upstreamJson));
  const revoked: string[] = [];
  const logger = createRecordingLogger();
  const upstream = createUpstreamTokens({
    grants: world.store,
    sealer,
    clock: world.clock,
    logger,
    refreshSkewSeconds: SKEW,
    onGrantRevoked: (id) => revoked.push(id),
    ...(refresher === undefined ? {} : { refresher }),
    ...overrides,
  });
  const sealedJson = async (): Promise<TokenJson | undefined> => {
    const sealed = (await world.store.findGrant(grantId))?.upstreamSealed;
    return sealed === undefined ? undefined : (JSON.parse(sealer.open(sealed)) as TokenJson);
  };
  return { world, grantId, accessToken: tokens.accessToken, revoked, logger, upstream, sealedJson };
}

/** The grant is dead for MCP: the client's access token no longer verifies (so `/mcp` answers 401). */
async function assertGrantRevoked(s: Setup): Promise<void> {
  assert.ok((await s.world.store.findGrant(s.grantId))?.revokedAt !== undefined, 'grant revoked');
  assert.equal(await s.world.service.verifyAccessToken(s.accessToken), undefined, 'MCP token no longer verifies');
  assert.deepEqual(s.revoked, [s.grantId], 'onGrantRevoked called once with the grant');
}

async function assertGrantLive(s: Setup): Promise<void> {
  assert.equal((await s.world.store.findGrant(s.grantId))?.revokedAt, undefined);
  assert.ok(await s.world.service.verifyAccessToken(s.accessToken));
  assert.deepEqual(s.revoked, []);
}

describe('accessTokenFor', () => {
  test('a token far from expiry is returned as sealed, with no refresh', async () => {
    const { refresher, seen } = fakeRefresher(() => tokenJson({ access_token: 'ghu_new' }));
    const s = await setup(tokenJson(), refresher);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_old');
    assert.equal(seen.length, 0);
  });

  test('a token without expires_at (OAuth App) is never refreshed', async () => {
    const { refresher, seen } = fakeRefresher(() => tokenJson({ access_token: 'ghu_new' }));
    const s = await setup(JSON.stringify({ access_token: 'gho_forever', scopes: ['repo'] }), refresher);
    s.world.clock.advance(90 * 24 * 3600);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'gho_forever');
    assert.equal(seen.length, 0);
  });

  test('E7 ten concurrent calls with a token expiring within the skew cause one refresh; all get the new token, which is sealed back', async () => {
    const gate = deferred();
    const fresh = tokenJson({ access_token: 'ghu_new', refresh_token: 'ghr_new', expires_at: START + 100 + 8 * 3600 });
    const { refresher, seen } = fakeRefresher(async () => {
      await gate.promise;
      return fresh;
    });
    const s = await setup(tokenJson({ expires_at: START + SKEW - 1 }), refresher);
    const calls = Array.from({ length: 10 }, () => s.upstream.accessTokenFor(s.grantId));
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve();
    assert.deepEqual(await Promise.all(calls), Array(10).fill('ghu_new'));
    assert.equal(seen.length, 1);
    assert.equal((JSON.parse(seen[0] ?? '{}') as TokenJson).refresh_token, 'ghr_old', 'the refresher gets the old tokens');
    assert.deepEqual(await s.sealedJson(), JSON.parse(fresh));
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_new', 'a later call uses the sealed new token');
    assert.equal(seen.length, 1);
    await assertGrantLive(s);
  });

  test('E7 a failed refresh of an expired token revokes the grant, calls onGrantRevoked, and every waiting call is told to reconnect', async () => {
    const { refresher, seen } = fakeRefresher(() => {
      throw new DomainError('upstream_failed', 'GitHub answered 502');
    });
    const s = await setup(tokenJson({ expires_at: START - 1 }), refresher);
    const calls = Array.from({ length: 5 }, () => s.upstream.accessTokenFor(s.grantId));
    for (const call of calls) await assert.rejects(call, { code: 'invalid_grant' });
    assert.equal(seen.length, 1);
    await assertGrantRevoked(s);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
    assert.equal(seen.length, 1, 'a revoked grant is not refreshed again');
    assert.ok(s.logger.events.some((e) => e.event === 'upstream.grant_revoked' && e.fields['reason'] === 'refresh_failed'));
  });

  test('E7 a refresh the provider refuses (bad refresh token) revokes the grant even while the old token still works', async () => {
    const { refresher } = fakeRefresher(() => {
      throw new DomainError('invalid_grant', 'bad_refresh_token');
    });
    const s = await setup(tokenJson({ expires_at: START + 60 }), refresher);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
    await assertGrantRevoked(s);
  });

  test('L5 a transient refresh failure while the token still works keeps the token and the grant, and waits before retrying', async () => {
    let failing = true;
    const { refresher, seen } = fakeRefresher(() => {
      if (failing) throw new DomainError('upstream_failed', 'timeout');
      return tokenJson({ access_token: 'ghu_new', expires_at: START + 8 * 3600 });
    });
    const s = await setup(tokenJson({ expires_at: START + 120 }), refresher);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_old');
    s.world.clock.advance(10);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_old');
    assert.equal(seen.length, 1, 'no retry within the back-off');
    await assertGrantLive(s);
    failing = false;
    s.world.clock.advance(30);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_new');
    assert.equal(seen.length, 2);
  });

  test('a refresher answer without an access token is a failed refresh', async () => {
    const { refresher } = fakeRefresher(() => JSON.stringify({ error: 'bad_refresh_token' }));
    const s = await setup(tokenJson({ expires_at: START }), refresher);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
    await assertGrantRevoked(s);
    assert.equal((await s.sealedJson())?.access_token, 'ghu_old', 'nothing unusable is sealed back');
  });

  test('an expired token that cannot be refreshed (no refresh token, refresh token expired, no refresher) revokes the grant', async () => {
    const cases: Array<{ json: string; refresher?: UpstreamRefresher }> = [
      { json: JSON.stringify({ access_token: 'ghu_old', expires_at: START }), refresher: fakeRefresher(() => tokenJson()).refresher },
      { json: tokenJson({ expires_at: START, refresh_token_expires_at: START - 1 }), refresher: fakeRefresher(() => tokenJson()).refresher },
      { json: tokenJson({ expires_at: START }) },
    ];
    for (const item of cases) {
      const s = await setup(item.json, item.refresher);
      await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
      await assertGrantRevoked(s);
    }
  });

  test('a token expiring within the skew that cannot be refreshed is used until it expires', async () => {
    const s = await setup(JSON.stringify({ access_token: 'ghu_old', expires_at: START + 60 }));
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_old');
    await assertGrantLive(s);
  });

  test('a grant without upstream tokens, or whose sealed tokens cannot be opened or read, is revoked', async () => {
    for (const sealed of [undefined, 'tampered', sealer.seal('not json'), sealer.seal('{"refresh_token":"x"}')]) {
      const s = await setup(undefined);
      if (sealed !== undefined) await s.world.store.updateUpstream(s.grantId, sealed);
      await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
      await assertGrantRevoked(s);
    }
  });

  test('an unknown or already revoked grant is told to reconnect, with no refresh and no second revocation', async () => {
    const { refresher, seen } = fakeRefresher(() => tokenJson());
    const s = await setup(tokenJson({ expires_at: START }), refresher);
    await s.world.store.revokeGrant(s.grantId, START);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
    await assert.rejects(s.upstream.accessTokenFor('grant-unknown'), { code: 'invalid_grant' });
    assert.equal(seen.length, 0);
    assert.deepEqual(s.revoked, []);
  });

  test('M1 no upstream token or refresh token appears in the log', async () => {
    const { refresher } = fakeRefresher((_tokens, call) => {
      if (call === 1) return tokenJson({ access_token: 'ghu_secret_new', refresh_token: 'ghr_secret_new', expires_at: START + 10 });
      throw new DomainError('invalid_grant', 'bad_refresh_token');
    });
    const s = await setup(tokenJson({ access_token: 'ghu_secret_old', refresh_token: 'ghr_secret_old', expires_at: START }), refresher);
    await s.upstream.accessTokenFor(s.grantId);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId));
    const logged = JSON.stringify(s.logger.events);
    assert.ok(logged.includes('upstream.refreshed') && logged.includes('upstream.grant_revoked'));
    assert.doesNotMatch(logged, /secret/);
  });
});

describe('reportRevoked', () => {
  test('E7 a token the provider reports revoked revokes the grant once, however many calls report it', async () => {
    const s = await setup(tokenJson());
    await Promise.all(Array.from({ length: 10 }, () => s.upstream.reportRevoked(s.grantId, 'ghu_old')));
    await s.upstream.reportRevoked(s.grantId);
    await assertGrantRevoked(s);
    await assert.rejects(s.upstream.accessTokenFor(s.grantId), { code: 'invalid_grant' });
  });

  test('E7 a rejected token that a refresh has since replaced does not revoke the grant', async () => {
    const { refresher } = fakeRefresher(() => tokenJson({ access_token: 'ghu_new', expires_at: START + 8 * 3600 }));
    const s = await setup(tokenJson({ expires_at: START + 10 }), refresher);
    assert.equal(await s.upstream.accessTokenFor(s.grantId), 'ghu_new');
    await s.upstream.reportRevoked(s.grantId, 'ghu_old');
    await assertGrantLive(s);
    await s.upstream.reportRevoked(s.grantId, 'ghu_new');
    await assertGrantRevoked(s);
  });

  test('a failing onGrantRevoked listener is logged and the grant stays revoked', async () => {
    const s = await setup(tokenJson(), undefined, {
      onGrantRevoked: () => {
        throw new Error('listener down');
      },
    });
    await s.upstream.reportRevoked(s.grantId);
    assert.ok((await s.world.store.findGrant(s.grantId))?.revokedAt !== undefined);
    assert.ok(s.logger.events.some((e) => e.event === 'upstream.grant_revoked_listener_failed'));
  });
});

describe('claimsFor', () => {
  test('returns the ID-token claims the OIDC adapter kept, and nothing for a grant without them', async () => {
    const claims = { sub: 'u1', name: 'Ada', email: 'ada@example.com' };
    const s = await setup(tokenJson({ id_token_claims_subset: claims }));
    assert.deepEqual(await s.upstream.claimsFor(s.grantId), claims);
    const bare = await setup(tokenJson());
    assert.equal(await bare.upstream.claimsFor(bare.grantId), undefined);
    assert.equal(await bare.upstream.claimsFor('grant-unknown'), undefined);
  });
});
