import { ProtocolError, ProtocolErrorCode, type McpServer, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import type { ServerChange } from '../../domain/tools/pack.js';
import type { PackCatalog } from './pack-catalog.js';

/**
 * Change notifications for packs. One bus carries every announced change: the SDK's
 * `subscriptions/listen` router reads it for 2026-07-28 clients (pass the same bus to
 * `createMcpHandler`), and each 2025 session's server forwards it onto that session's standalone
 * stream — list changes always, `resources/updated` only for URIs the session subscribed to.
 * @see MCP 2025-11-25 server/resources "Subscriptions", server/tools "List Changed Notification"
 * @see MCP 2026-07-28 `subscriptions/listen`
 */
export interface ChangeHub {
  readonly announce: (change: ServerChange) => void;
  /** Serves `resources/subscribe`/`unsubscribe` on `server` and, once it has a session, forwards changes to it. */
  attach(server: McpServer): void;
}

function toEvent(change: ServerChange): ServerEvent {
  switch (change.kind) {
    case 'tools':
      return { kind: 'tools_list_changed' };
    case 'prompts':
      return { kind: 'prompts_list_changed' };
    case 'resources':
      return { kind: 'resources_list_changed' };
    case 'resource':
      return { kind: 'resource_updated', uri: change.uri };
  }
}

/** Sends one bus event to one 2025 session, if the session wants it. */
async function deliver(server: McpServer, subscribed: ReadonlySet<string>, event: ServerEvent): Promise<void> {
  switch (event.kind) {
    case 'tools_list_changed':
      return server.server.sendToolListChanged();
    case 'prompts_list_changed':
      return server.server.sendPromptListChanged();
    case 'resources_list_changed':
      return server.server.sendResourceListChanged();
    case 'resource_updated':
      if (subscribed.has(event.uri)) await server.server.sendResourceUpdated({ uri: event.uri });
  }
}

/** The URI a subscribe request names, as the catalog keys it; unknown or unsubscribable URIs are refused. */
function subscribableUri(catalog: PackCatalog, raw: string): string {
  let uri: string;
  try {
    uri = new URL(raw).href;
  } catch {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource URI ${raw} is invalid`, { uri: raw });
  }
  if (!catalog.isSubscribable(uri)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${raw} does not take subscriptions`, { uri: raw });
  return uri;
}

function serveSubscriptions(server: McpServer, catalog: PackCatalog, subscribed: Set<string>): void {
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    subscribed.add(subscribableUri(catalog, request.params.uri));
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    subscribed.delete(subscribableUri(catalog, request.params.uri));
    return {};
  });
}

/**
 * Forwards bus events once the client finished initializing on a transport that has a session.
 * Per-request (stateless) servers have none and never subscribe, so nothing leaks per request.
 */
function forwardWhenInitialized(server: McpServer, bus: ServerEventBus, subscribed: ReadonlySet<string>, logger: Logger): void {
  const inner = server.server;
  let forwarding = false;
  inner.oninitialized = () => {
    if (forwarding || inner.transport?.sessionId === undefined) return;
    forwarding = true;
    const unsubscribe = bus.subscribe((event) => {
      deliver(server, subscribed, event).catch((error: unknown) =>
        logger.debug('mcp.change_not_delivered', { kind: event.kind, error: error instanceof Error ? error.message : String(error) }),
      );
    });
    const previous = inner.onclose;
    inner.onclose = () => {
      unsubscribe();
      previous?.();
    };
  };
}

export function createChangeHub(bus: ServerEventBus, catalog: PackCatalog, logger: Logger): ChangeHub {
  const subscribe = catalog.capabilities.resources?.subscribe === true;
  return {
    announce: (change) => bus.publish(toEvent(change)),
    attach(server) {
      const subscribed = new Set<string>();
      if (subscribe) serveSubscriptions(server, catalog, subscribed);
      forwardWhenInitialized(server, bus, subscribed, logger);
    },
  };
}
