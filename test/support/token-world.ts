import type { Client } from '../../src/domain/clients/client.js';
import { DomainError } from '../../src/domain/errors.js';
import type { AuthorizationCode, Grant } from '../../src/domain/grants/grant.js';
import type { OAuthPolicy } from '../../src/domain/oauth-policy.js';
import type { GrantStore } from '../../src/domain/ports/stores.js';
import { createTokenService, type TokenResponse, type TokenService } from '../../src/domain/tokens/token-service.js';
import { createMemoryGrantStore } from '../../src/adapters/storage/memory/grant-store.js';
import { createMemoryState } from '../../src/adapters/storage/memory/state.js';
import { createCryptoRandom } from '../../src/adapters/system/random.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';
import {
  aGrant,
  anAuthorizationCode,
  aPkcePair,
  aPolicy,
  aPublicClient,
  createFakeClientRegistry,
  createRecordingLogger,
  createReversibleSealer,
  createTestHasher,
  START,
} from './oauth-mothers.js';

type Store = GrantStore;

/** A code the browser leg left behind, with what the client holds (the code and its verifier). */
export interface Authorized {
  readonly code: string;
  readonly verifier: string;
  readonly grant: Grant;
  readonly record: AuthorizationCode;
}

export interface AuthorizeOptions {
  readonly client?: Client;
  readonly grant?: Partial<Grant>;
  readonly code?: Partial<AuthorizationCode>;
}

export interface TokenWorldOptions {
  readonly policy?: Parameters<typeof aPolicy>[0];
  /** Clients besides the default public one. */
  readonly clients?: readonly Client[];
  /** Delay every store call by a random few event-loop turns (race tests). */
  readonly jitter?: boolean;
}

/**
 * A token service over fakes and an in-memory grant store, plus the moves tests make: authorize
 * (as the browser leg would), redeem, take storage down, count store calls.
 */
export interface TokenWorld {
  readonly clock: FakeClock;
  readonly policy: OAuthPolicy;
  readonly store: Store;
  readonly logger: ReturnType<typeof createRecordingLogger>;
  readonly registry: ReturnType<typeof createFakeClientRegistry>;
  readonly service: TokenService;
  /** The default public client. */
  readonly client: Client;
  /** Grant ids passed to `onGrantRevoked`, in order. */
  readonly revoked: string[];
  /** How often each store method was called. */
  readonly calls: Map<string, number>;
  authorize(options?: AuthorizeOptions): Promise<Authorized>;
  /** Authorizes and redeems: a fresh grant with one token family. */
  issue(options?: AuthorizeOptions): Promise<{ readonly tokens: TokenResponse; readonly authorized: Authorized }>;
  /** While down, every store call rejects with `storage_unavailable`. */
  setStorageDown(down: boolean): void;
  /** From now on the sealer cannot open what it sealed (its key is gone). */
  loseSealingKey(): void;
}

/** The memory engine's grant store. */
function memoryGrantStore(): Store {
  return createMemoryGrantStore(createMemoryState());
}

async function jitter(): Promise<void> {
  for (let turns = Math.floor(Math.random() * 4); turns > 0; turns -= 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wraps every store method: counts calls, fails them while storage is "down", and (for race
 * tests) delays each call by a random few turns, as a database's latency would.
 */
function instrumented(store: Store, calls: Map<string, number>, isDown: () => boolean, delayed: boolean): Store {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    wrapped[name] = async (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      if (delayed) await jitter();
      if (isDown()) throw new DomainError('storage_unavailable', 'storage is unavailable');
      return method(...args);
    };
  }
  return wrapped as unknown as Store;
}

export function createTokenWorld(options: TokenWorldOptions = {}): TokenWorld {
  const clock = createFakeClock(START);
  const policy = aPolicy(options.policy);
  const hasher = createTestHasher();
  const calls = new Map<string, number>();
  let down = false;
  const store = instrumented(memoryGrantStore(), calls, () => down, options.jitter === true);
  const logger = createRecordingLogger();
  const client = aPublicClient();
  const registry = createFakeClientRegistry([client, ...(options.clients ?? [])], hasher, () => clock.now());
  const revoked: string[] = [];
  const reversible = createReversibleSealer();
  let keyLost = false;
  const sealer = {
    seal: (plaintext: string) => reversible.seal(plaintext),
    open: (sealed: string) => (keyLost ? reversible.open('key lost') : reversible.open(sealed)),
  };
  const service = createTokenService({
    grants: store,
    clients: registry,
    hasher,
    sealer,
    random: createCryptoRandom(),
    clock,
    policy,
    logger,
    onGrantRevoked: (grantId) => revoked.push(grantId),
  });
  const authorize = async (authorizeOptions: AuthorizeOptions = {}): Promise<Authorized> => {
    const owner = authorizeOptions.client ?? client;
    const now = clock.now();
    const grant = aGrant({ clientId: owner.clientId, createdAt: now, expiresAt: now + policy.grantMaxSeconds, ...authorizeOptions.grant });
    const { verifier, challenge } = aPkcePair(hasher);
    const { code, record } = anAuthorizationCode(grant, challenge, { expiresAt: now + policy.codeTtlSeconds, ...authorizeOptions.code }, hasher);
    await store.createGrant(grant);
    await store.saveCode(record);
    return { code, verifier, grant, record };
  };
  const issue = async (authorizeOptions: AuthorizeOptions = {}) => {
    const authorized = await authorize(authorizeOptions);
    const tokens = await service.exchangeCode({ client: authorizeOptions.client ?? client, code: authorized.code, codeVerifier: authorized.verifier });
    return { tokens, authorized };
  };
  return { clock, policy, store, logger, registry, service, client, revoked, calls, authorize, issue, setStorageDown: (value) => (down = value), loseSealingKey: () => (keyLost = true) };
}
