import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ClientIp } from '../adapters/http/client-ip.js';
import { createGuards } from '../adapters/http/guards.js';
import type { JourneyRecorder } from '../adapters/http/journey-recorder.js';
import { createPipeline } from '../adapters/http/pipeline.js';
import { sendError } from '../adapters/http/respond.js';
import { createRouter } from '../adapters/http/router.js';
import type { Route } from '../adapters/http/types.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Config } from './config.js';
import { createDeferred } from './deferred.js';
import type { JourneyDeps, Journeys } from './journeys.js';
import type { OAuthCore } from './oauth-core.js';

/**
 * The request listener, opened before the whole app is loaded (bench/README.md, cold start): what
 * it serves at once, what waits for the rest, and the journey recorder that loads behind it.
 */
export interface ListenerDeps {
  readonly core: OAuthCore;
  readonly journeys: JourneyRecorder;
  readonly logger: Logger;
}

/** The request pipeline over `table`: guards, the bearer gate, CORS and the journey recorder are the same for every table. */
function pipelineOver(table: readonly Route[], config: Config, { core, journeys, logger }: ListenerDeps): RequestListener {
  return createPipeline({
    router: createRouter(table),
    guards: createGuards({ publicUrl: config.publicUrl, extraOrigins: config.allowedOrigins }),
    gate: core.gate,
    cors: core.cors,
    journeys,
    logger,
    publicUrl: config.publicUrl,
  });
}

const ANY_ORIGIN = 'http://keyway.invalid';

function pathOf(req: IncomingMessage): string {
  const target = req.url ?? '/';
  return URL.canParse(target, ANY_ORIGIN) ? new URL(target, ANY_ORIGIN).pathname : '';
}

/**
 * Until the whole route table is loaded, the listener serves the routes it already has (health and
 * the MCP routes, behind the gate); any other request waits for the whole table, so it gets exactly
 * the answer it would get later (a 404 included). If loading fails, the server is being stopped and
 * a waiting request gets a 503.
 */
export function listenFirst(early: readonly Route[], whole: Promise<readonly Route[]>, config: Config, deps: ListenerDeps): RequestListener {
  const earlyRouter = createRouter(early);
  const earlyPipeline = pipelineOver(early, config, deps);
  let wholePipeline: RequestListener | undefined;
  const loaded = whole.then((table) => (wholePipeline = pipelineOver(table, config, deps)));
  loaded.catch(() => undefined);
  const unavailable = (res: ServerResponse): void => sendError(res, 503, 'temporarily_unavailable', 'the server failed to start');
  return (req, res) => {
    if (wholePipeline !== undefined) return wholePipeline(req, res);
    if (earlyRouter.match(req.method ?? 'GET', pathOf(req)).kind === 'found') return earlyPipeline(req, res);
    loaded.then(
      (pipeline) => pipeline(req, res),
      () => unavailable(res),
    );
  };
}

export interface DeferredJourneys {
  /** Records at once once journeys are loaded; until then it keeps what it is told and replays it on load. */
  readonly recorder: JourneyRecorder;
  load(): Promise<Journeys>;
  /** Closes the journeys if they were loaded (after a load under way settles). */
  close(): Promise<void>;
}

/**
 * Connect journeys (journeys.ts: the correlator, the journey store) load behind the listener; the
 * requests answered before they are (a client's first 401 among them) are recorded when they are.
 */
export function deferredJourneys(config: Config, deps: JourneyDeps): DeferredJourneys {
  let early: Array<Parameters<JourneyRecorder>> | undefined = [];
  const journeys = createDeferred(async () => {
    const { startJourneys } = await import('./journeys.js');
    const started = startJourneys(config, deps);
    for (const [ctx, route] of early ?? []) started.recorder(ctx, route);
    early = undefined;
    return started;
  });
  return {
    recorder: (ctx, route) => {
      const loaded = journeys.current();
      if (loaded !== undefined) loaded.recorder(ctx, route);
      else early?.push([ctx, route]);
    },
    load: () => journeys.load(),
    async close() {
      early = undefined;
      await (await journeys.settled())?.close();
    },
  };
}

/**
 * Forwarded headers from a peer not in KEYWAY_TRUST_PROXY are ignored; say so once, because it
 * usually means a reverse proxy that is missing from the list (per-IP limits then see the proxy).
 */
export function warnOnUntrustedForwarding(handler: RequestListener, clientIp: ClientIp, logger: Logger): RequestListener {
  let warned = false;
  return (req, res) => {
    if (!warned && clientIp.forwardedFromUntrusted(req)) {
      warned = true;
      logger.warn('http.untrusted_forwarded_headers', {
        peer: req.socket.remoteAddress,
        message: 'requests carry X-Forwarded-* headers from an address not listed in KEYWAY_TRUST_PROXY; they are ignored (add the proxy address if this is your reverse proxy)',
      });
    }
    handler(req, res);
  };
}
