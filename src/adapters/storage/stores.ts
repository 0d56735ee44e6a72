import type { ClientStore, ConsentStore, FlowStore, GrantStore } from '../../domain/ports/stores.js';

/**
 * Every store port, backed by one storage engine. The composition root opens one `Stores` (memory or
 * SQLite) and hands its members to the domain; `close` releases the engine on shutdown.
 */
export interface Stores {
  readonly clients: ClientStore;
  readonly flows: FlowStore;
  readonly grants: GrantStore;
  readonly consents: ConsentStore;
  /** Releases the engine (SQLite: later calls reject with `storage_unavailable`). Idempotent. */
  close(): Promise<void>;
}
