import type { InjectionToken } from 'tsyringe';
import type { Lifecycle } from '../adapters/http/lifecycle.js';
import type { PackServerFactory } from '../adapters/mcp/server-factory.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Random } from '../domain/ports/random.js';
import type { SessionRegistry } from '../domain/sessions/registry.js';
import type { Pack } from '../domain/tools/pack.js';
import type { Config } from './config.js';
import type { McpEndpoints } from './container.js';
import type { OAuthServer } from './oauth.js';
import type { OAuthCore } from './oauth-core.js';

/**
 * Explicit injection tokens: ports are interfaces (erased at run time), so every dependency is
 * named here rather than inferred from decorator metadata.
 */
export const TOKENS = {
  config: Symbol('Config') as InjectionToken<Config>,
  logger: Symbol('Logger') as InjectionToken<Logger>,
  clock: Symbol('Clock') as InjectionToken<Clock>,
  random: Symbol('Random') as InjectionToken<Random>,
  sessions: Symbol('SessionRegistry') as InjectionToken<SessionRegistry>,
  lifecycle: Symbol('Lifecycle') as InjectionToken<Lifecycle>,
  packs: Symbol('Packs') as InjectionToken<readonly Pack[]>,
  serverFactory: Symbol('McpServerFactory') as InjectionToken<PackServerFactory>,
  /** Checks, store, gate and CORS: built before the listener opens. */
  oauthCore: Symbol('OAuthCore') as InjectionToken<OAuthCore>,
  /** The whole authorization server: registered once it has loaded, behind the listener. */
  oauth: Symbol('OAuthServer') as InjectionToken<OAuthServer>,
  mcpEndpoints: Symbol('McpEndpoints') as InjectionToken<McpEndpoints>,
} as const;
