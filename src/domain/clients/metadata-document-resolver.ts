import { DomainError, isDomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { DocumentFetcher } from '../ports/fetcher.js';
import type { Logger } from '../ports/logger.js';
import type { ClientStore } from '../ports/stores.js';
import type { Client } from './client.js';
import { checkMetadataDocumentUrl, clientFromDocument, PINNED_DOCUMENTS } from './metadata-document.js';

/**
 * Fetches Client ID Metadata Documents and keeps them fresh.
 *
 * - A fresh copy (until the fetcher's `freshUntil`, which follows the response's caching headers)
 *   is served from memory without fetching. @see draft-ietf-oauth-client-id-metadata-document §5.2
 * - A stale copy is refetched; the good result replaces it in the ClientStore.
 * - When a refetch fails or the document turns invalid, the last good copy keeps being served
 *   (CLIENTS.md 1.4: documents have failed to load) and the next attempt waits a minute, so an
 *   outage of the client's host does not slow every request down. Errors themselves are never
 *   cached (§5.2): with no good copy, each request tries again.
 * - With nothing cached, a pinned copy (Claude's) is the last resort.
 * - Concurrent requests for one URL share a single fetch.
 */
export interface MetadataDocumentResolver {
  /** The client `clientId` names; throws `fetch_failed` with a message safe to show. */
  resolve(clientId: string): Promise<Client>;
}

export interface MetadataDocumentDeps {
  readonly store: ClientStore;
  readonly fetcher: DocumentFetcher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redirectUriAllowlist: readonly string[];
  /** Documents to fall back on; defaults to {@link PINNED_DOCUMENTS}. */
  readonly pinned?: Readonly<Record<string, unknown>>;
}

/** Seconds to wait before refetching after a failure while a good copy is being served. */
export const RETRY_AFTER_FAILURE_SECONDS = 60;
/** Bound on the in-memory freshness table (one entry per document URL). */
const MAX_TRACKED = 10_000;

export function createMetadataDocumentResolver(deps: MetadataDocumentDeps): MetadataDocumentResolver {
  const { store, fetcher, clock, logger } = deps;
  const pinned = deps.pinned ?? PINNED_DOCUMENTS;
  /**
   * Until when each stored copy may be served without refetching. Process-local: after a restart a
   * stored copy counts as stale, so it is refetched once (and still served if that fetch fails).
   */
  const notBefore = new Map<string, number>();
  const inflight = new Map<string, Promise<Client>>();

  const remember = (clientId: string, until: number): void => {
    notBefore.delete(clientId);
    if (notBefore.size >= MAX_TRACKED) notBefore.delete(notBefore.keys().next().value ?? '');
    notBefore.set(clientId, until);
  };

  /** Fetches and validates; the copy keeps the first fetch's `issuedAt`. */
  const fetchClient = async (clientId: string, cached: Client | undefined): Promise<{ client: Client; freshUntil: number }> => {
    const document = await fetcher.fetchJson(clientId);
    const now = clock.now();
    const fetched = clientFromDocument(clientId, document.json, deps.redirectUriAllowlist, now);
    const client = cached === undefined ? fetched : { ...fetched, issuedAt: cached.issuedAt, lastUsedAt: Math.max(cached.lastUsedAt, now) };
    return { client, freshUntil: document.freshUntil };
  };

  const fallback = (clientId: string, cached: Client | undefined, error: unknown): Client => {
    const reason = error instanceof Error ? error.message : String(error);
    if (cached !== undefined) {
      logger.warn('clients.metadata_document_stale', { clientId, reason });
      remember(clientId, clock.now() + RETRY_AFTER_FAILURE_SECONDS);
      return cached;
    }
    const copy = pinned[clientId];
    if (copy !== undefined) {
      logger.warn('clients.metadata_document_pinned', { clientId, reason });
      return clientFromDocument(clientId, copy, deps.redirectUriAllowlist, clock.now());
    }
    logger.info('clients.metadata_document_failed', { clientId, reason });
    throw isDomainError(error) && error.code === 'fetch_failed' ? error : new DomainError('fetch_failed', 'client metadata document could not be fetched');
  };

  const refresh = async (clientId: string): Promise<Client> => {
    const stored = await store.find(clientId);
    const cached = stored?.kind === 'metadata_document' ? stored : undefined;
    if (cached !== undefined && (notBefore.get(clientId) ?? 0) > clock.now()) return cached;
    let fetched: { client: Client; freshUntil: number };
    try {
      fetched = await fetchClient(clientId, cached);
    } catch (error) {
      return fallback(clientId, cached, error);
    }
    // Outside the try: a storage outage is a 503, not a reason to serve a stale copy.
    await store.save(fetched.client);
    remember(clientId, fetched.freshUntil);
    return fetched.client;
  };

  return {
    async resolve(clientId) {
      checkMetadataDocumentUrl(clientId);
      const running = inflight.get(clientId);
      if (running !== undefined) return running;
      const pending = refresh(clientId).finally(() => inflight.delete(clientId));
      inflight.set(clientId, pending);
      return pending;
    },
  };
}
