import { DomainError, isDomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Hasher } from '../ports/crypto.js';
import type { DocumentFetcher } from '../ports/fetcher.js';
import type { Logger } from '../ports/logger.js';
import type { Random } from '../ports/random.js';
import type { ClientStore } from '../ports/stores.js';
import type { Client } from './client.js';
import { createMetadataDocumentResolver, type MetadataDocumentResolver } from './metadata-document-resolver.js';
import { looksLikeMetadataDocumentUrl } from './metadata-document.js';
import { LIMITS, registerDynamicClient } from './registration.js';
import type { ClientCredentials, ClientRegistry } from './registry.js';

/** What the operator configured about clients (KEYWAY_DCR, KEYWAY_CIMD, KEYWAY_CLIENTS, …). */
export interface ClientPolicy {
  readonly dynamicRegistration: boolean;
  readonly metadataDocuments: boolean;
  /** Exact private-use-scheme redirect URIs (SECURITY.md Decision 2). */
  readonly redirectUriAllowlist: readonly string[];
  readonly preregistered: readonly Client[];
  /** A dynamic registration not used for this long is gone (resolves as unknown, then deleted). */
  readonly unusedSeconds: number;
}

export interface ClientRegistryDeps {
  readonly store: ClientStore;
  /** Needed only when `policy.metadataDocuments` is on. */
  readonly fetcher?: DocumentFetcher;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: Hasher;
  readonly policy: ClientPolicy;
  readonly logger: Logger;
}

/** The registry plus its housekeeping. */
export interface ManagedClientRegistry extends ClientRegistry {
  /** Deletes dynamic clients unused for `policy.unusedSeconds`; returns how many. */
  collectUnused(): Promise<number>;
}

function unknownClient(message = 'unknown client'): DomainError {
  return new DomainError('invalid_client', message);
}

/**
 * Checks presented credentials against the client. The method must be the registered one (a
 * public client sending a secret is refused too: RFC 6749 §2.3 lets a server refuse credentials
 * it did not issue). Secrets are compared as digests with `Hasher.equal` (constant time); expiry is
 * checked only after the secret proved right, so it reveals nothing to a guesser.
 * @see RFC 6749 §2.3.1, RFC 7591 §2 token_endpoint_auth_method, SECURITY.md F11
 */
function verifyCredentials(client: Client, credentials: ClientCredentials, hasher: Hasher, now: number): void {
  if (credentials.method !== client.tokenEndpointAuthMethod) {
    throw unknownClient(`client must authenticate with ${client.tokenEndpointAuthMethod}`);
  }
  if (client.tokenEndpointAuthMethod === 'none') {
    if (credentials.secret !== undefined) throw unknownClient('a public client does not send a client_secret');
    return;
  }
  const presented = hasher.hash(credentials.secret ?? '');
  if (credentials.secret === undefined || client.secretHash === undefined || !hasher.equal(presented, client.secretHash)) {
    throw unknownClient('client authentication failed');
  }
  if (client.secretExpiresAt !== 0 && client.secretExpiresAt <= now) throw unknownClient('client secret has expired');
}

export function createClientRegistry(deps: ClientRegistryDeps): ManagedClientRegistry {
  const { store, clock, random, hasher, policy, logger } = deps;
  const preregistered = new Map(policy.preregistered.map((client) => [client.clientId, client]));
  const documents: MetadataDocumentResolver | undefined =
    policy.metadataDocuments && deps.fetcher !== undefined
      ? createMetadataDocumentResolver({ store, fetcher: deps.fetcher, clock, logger, redirectUriAllowlist: policy.redirectUriAllowlist })
      : undefined;

  const expired = (client: Client): boolean => client.lastUsedAt < clock.now() - policy.unusedSeconds;

  const resolve = async (clientId: string): Promise<Client | undefined> => {
    if (clientId === '' || clientId.length > LIMITS.uri) return undefined;
    const configured = preregistered.get(clientId);
    if (configured !== undefined) return configured;
    if (looksLikeMetadataDocumentUrl(clientId)) return documents?.resolve(clientId);
    const stored = await store.find(clientId);
    return stored?.kind === 'dynamic' && !expired(stored) ? stored : undefined;
  };

  /** At the token endpoint a document that cannot be fetched means an unknown client (401). */
  const resolveForAuthentication = async (clientId: string): Promise<Client | undefined> => {
    try {
      return await resolve(clientId);
    } catch (error) {
      if (isDomainError(error) && error.code === 'fetch_failed') throw unknownClient(error.message);
      throw error;
    }
  };

  return {
    async register(metadata) {
      if (!policy.dynamicRegistration) throw new DomainError('invalid_client_metadata', 'registration is disabled');
      const registration = registerDynamicClient(metadata, { clock, random, hasher, redirectUriAllowlist: policy.redirectUriAllowlist });
      await store.save(registration.client);
      const { client } = registration;
      logger.info('clients.registered', { clientId: client.clientId, clientName: client.clientName, method: client.tokenEndpointAuthMethod, redirectUris: client.redirectUris.length });
      return registration;
    },
    resolve,
    async authenticate(credentials) {
      const client = await resolveForAuthentication(credentials.clientId);
      try {
        if (client === undefined) throw unknownClient();
        verifyCredentials(client, credentials, hasher, clock.now());
      } catch (error) {
        logger.warn('clients.authentication_failed', { clientId: credentials.clientId.slice(0, 256), method: credentials.method, reason: error instanceof Error ? error.message : String(error) });
        throw error;
      }
      await store.touch(client.clientId, clock.now());
      return client;
    },
    async touch(clientId) {
      await store.touch(clientId, clock.now());
    },
    async collectUnused() {
      const removed = await store.deleteUnusedBefore(clock.now() - policy.unusedSeconds);
      if (removed > 0) logger.info('clients.collected_unused', { removed });
      return removed;
    },
  };
}
