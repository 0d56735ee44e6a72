import { InMemoryServerEventBus, McpServer, type McpRequestContext, type McpServerFactory, type ServerEventBus } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Logger } from '../../domain/ports/logger.js';
import type { Pack } from '../../domain/tools/pack.js';
import { createFastPath, type FastPath } from './fast-path.js';
import { compilePacks } from './pack-catalog.js';
import { createChangeHub } from './pack-changes.js';
import { createStateSeal } from './pack-outcomes.js';
import { registerPacks, type RegistrationDeps } from './pack-register.js';

export interface ServerFactoryOptions {
  readonly packs: readonly Pack[];
  /** `serverInfo.name` and `.version`. */
  readonly name: string;
  readonly version: string;
  readonly logger: Logger;
  /**
   * Where announced changes go. Pass the same bus to `createMcpHandler({ bus })` so 2026-07-28
   * `subscriptions/listen` streams hear them; defaults to a fresh in-process bus.
   */
  readonly bus?: ServerEventBus;
}

/**
 * An `McpServerFactory` that also exposes the bus its packs announce changes on, and the fast path
 * for the same packs (fast-path.ts), which serves plain stateless tool calls without an SDK server.
 */
export type PackServerFactory = McpServerFactory & { readonly bus: ServerEventBus; readonly fastPath: FastPath };

/**
 * Turns packs into MCP SDK servers. Everything that does not depend on the request — compiled
 * schemas and their validator, URI templates, capabilities, the `requestState` key — is built
 * once here; each call then only creates an `McpServer` and registers the prepared definitions,
 * because the SDK serves 2026-07-28 and stateless 2025 traffic with one instance per request.
 * Name clashes between packs throw here, so a bad pack set stops start-up.
 * @see DESIGN.md "Cost centres"
 */
export function createServerFactory(options: ServerFactoryOptions): PackServerFactory {
  const validator = new AjvJsonSchemaValidator();
  const catalog = compilePacks(options.packs, validator);
  const bus = options.bus ?? new InMemoryServerEventBus((error) => options.logger.warn('mcp.change_listener_failed', { error: error.message }));
  const changes = createChangeHub(bus, catalog, options.logger);
  const seal = createStateSeal();
  const deps: RegistrationDeps = { catalog, seal, logger: options.logger };
  const serverInfo = { name: options.name, version: options.version };

  const factory = (context?: McpRequestContext): McpServer => {
    const server = new McpServer(serverInfo, {
      capabilities: catalog.capabilities,
      jsonSchemaValidator: validator,
      requestState: { verify: seal.verify },
    });
    registerPacks(server, { era: context?.era ?? 'legacy', server, announce: changes.announce }, deps);
    changes.attach(server);
    return server;
  };
  const fastPath = createFastPath({ tools: catalog.tools, serverInfo, announce: changes.announce, logger: options.logger });
  return Object.assign(factory, { bus, fastPath });
}
