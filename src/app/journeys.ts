import { createJourneyRecorder, type JourneyRecorder } from '../adapters/http/journey-recorder.js';
import type { ClientIp } from '../adapters/http/client-ip.js';
import { LOCAL_LOGIN_PATH } from '../adapters/identity/local/local-identity-provider.js';
import { createMemoryJourneyStore } from '../adapters/storage/memory/journey-store.js';
import { openSqliteJourneyStore } from '../adapters/storage/sqlite/journey-store.js';
import { createJourneyCorrelator } from '../domain/journeys/correlator.js';
import type { Journey } from '../domain/journeys/journey.js';
import { createJourneyWriter } from '../domain/journeys/writer.js';
import type { Clock } from '../domain/ports/clock.js';
import type { JourneyRetention, JourneyStore } from '../domain/ports/journeys.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Random } from '../domain/ports/random.js';
import type { Config } from './config.js';

/**
 * Connect journeys, assembled (docs/journeys.md): the HTTP recorder feeds the correlator; every
 * journey that ends (connected, idle past KEYWAY_JOURNEY_TIMEOUT_SECONDS, at its maximum lifetime,
 * evicted, or at shutdown) becomes one `keyway.journey` log line at once, and is queued for the
 * journey store, which the timer writes in one transaction per tick and keeps a bounded history of.
 */
export const JOURNEY_RETENTION: JourneyRetention = Object.freeze({ maxJourneys: 1000, maxAgeSeconds: 30 * 24 * 3600 });
/** Open journeys held in memory at once; beyond it the oldest ends as `evicted`. */
export const MAX_OPEN_JOURNEYS = 10_000;
/** Steps kept per journey; a client stuck in a loop cannot grow one without bound. */
export const MAX_JOURNEY_STEPS = 64;
/** Client ids, browsers and redirect hosts kept per journey: Claude uses two ids; more is noise or abuse. */
export const MAX_JOURNEY_KEYS = 4;
/** A journey's maximum lifetime, in idle windows: steady traffic cannot keep one open forever. */
export const JOURNEY_LIFETIME_WINDOWS = 2;
/** Ended journeys waiting for the timer's write: the store keeps no more than this anyway. */
export const MAX_QUEUED_JOURNEYS = JOURNEY_RETENTION.maxJourneys;

export interface Journeys {
  /** The pipeline's recorder. */
  readonly recorder: JourneyRecorder;
  /** Ends and writes out every open journey, then closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface JourneyDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly clientIp: ClientIp;
}

/** The store `keyway journeys` reads: the journeys table of the SQLite database, or this process's memory. */
export function openJourneyStore(config: Config, logger?: Logger): JourneyStore {
  if (config.store.kind === 'memory') return createMemoryJourneyStore(JOURNEY_RETENTION);
  return openSqliteJourneyStore(config.store.path, { retention: JOURNEY_RETENTION, ...(logger === undefined ? {} : { logger }) });
}

/** The log line of an ended journey: where it stopped and each step, never a credential. */
export function journeyLogFields(journey: Journey): Record<string, unknown> {
  return {
    journey: journey.id,
    verdict: journey.verdict.code,
    stopped: journey.verdict.text,
    end: journey.end,
    clientIds: journey.clientIds,
    address: journey.address,
    redirectHosts: journey.redirectHosts,
    startedAt: new Date(journey.startedAt * 1000).toISOString(),
    durationSeconds: journey.lastAt - journey.startedAt,
    steps: journey.steps.map((step) => `+${step.at - journey.startedAt}s ${step.kind} ${step.status}${step.ok ? '' : ' failed'}${step.note === undefined ? '' : ` ${step.note}`}`),
    ...(journey.droppedSteps === 0 ? {} : { droppedSteps: journey.droppedSteps }),
    ...(journey.overflow === undefined ? {} : { overflow: journey.overflow }),
  };
}

export function startJourneys(config: Config, deps: JourneyDeps): Journeys {
  const { clock, logger } = deps;
  const store = openJourneyStore(config, logger);
  const idleSeconds = config.journeyTimeoutSeconds;
  const correlator = createJourneyCorrelator(
    { idleSeconds, maxLifetimeSeconds: JOURNEY_LIFETIME_WINDOWS * idleSeconds, maxOpen: MAX_OPEN_JOURNEYS, maxSteps: MAX_JOURNEY_STEPS, maxKeys: MAX_JOURNEY_KEYS },
    { clock, random: deps.random },
  );
  const writer = createJourneyWriter(store, { maxQueued: MAX_QUEUED_JOURNEYS }, { clock, logger });
  const finish = (ended: readonly Journey[]): void => {
    for (const journey of ended) logger.info('keyway.journey', journeyLogFields(journey));
    writer.enqueue(ended);
  };
  // One tick ends the idle journeys and writes every queued one: the SQLite write (fsync) and the
  // prune never ride on a request, and cost one transaction per tick however many journeys ended.
  const timer = setInterval(() => {
    finish(correlator.expire());
    void writer.flush();
  }, Math.min(idleSeconds * 250, 30_000));
  timer.unref();
  const recorder = createJourneyRecorder({
    sink: (event) => {
      const ended = correlator.record(event);
      if (ended.length > 0) finish(ended);
    },
    clientIp: deps.clientIp,
    clock,
    signInPaths: [LOCAL_LOGIN_PATH],
  });
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    clearInterval(timer);
    finish(correlator.endAll());
    await writer.flush();
    await store.close();
  };
  return {
    recorder,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
