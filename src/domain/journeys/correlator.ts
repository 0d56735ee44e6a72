import type { Clock } from '../ports/clock.js';
import type { Random } from '../ports/random.js';
import type { Journey, JourneyEnd, JourneyEvent, JourneyOverflow, JourneyStep } from './journey.js';
import { EMPTY_FOLD, foldStep, rankOf, verdictOf, type VerdictFold } from './verdict.js';

/**
 * Correlates requests into connect journeys, in memory, in O(1) per event (map and set look-ups).
 *
 * - An event naming a client id joins that client's open journey.
 * - Before registration there is no client id: a probe, metadata fetch or registration joins the
 *   open journey from the same address within the idle window. A registration binds its new client
 *   id to it only while that journey has no client id yet, or its one registration is at most
 *   `REGISTRATION_PAIR_SECONDS` old (Claude registers twice about a second apart); any other
 *   registration is another user's attempt from a shared egress address and starts its own journey.
 * - Consent, sign-in and callback come from the user's browser, not from the client: they join the
 *   journey whose `/authorize` that browser opened (by the browser key).
 * - An event with a client id that finds no journey of its own adopts its address's journey when
 *   that has no client yet (a client with a metadata-document or pre-registered id skips
 *   registration); a client-less journey from the same address is merged into the client's one.
 * - Authenticated MCP requests and successful refreshes never open a journey: an established
 *   connection is not a connect attempt, and costs one map miss.
 * A journey ends when its first authenticated MCP request succeeds, after `idleSeconds` with no new
 * event, or once it is `maxLifetimeSeconds` old; the caller logs and stores what `record`, `expire`
 * and `endAll` return.
 *
 * Bounds: unauthenticated requests (`/authorize` names any client id and redirect URI; each
 * cookie-less browser brings a new key) must not grow one journey or the indexes without limit.
 * Each journey binds at most `maxKeys` client ids, browsers and redirect hosts (the rest are only
 * counted), so the indexes hold at most `maxOpen × (2 × maxKeys + 1)` keys.
 */
export interface JourneyCorrelatorOptions {
  readonly idleSeconds: number;
  /** A journey older than this ends (as `lifetime`) and its client starts afresh: steady traffic cannot keep one open. */
  readonly maxLifetimeSeconds: number;
  /** Most journeys open at once; beyond it the least recently started one ends as `evicted`. */
  readonly maxOpen: number;
  /** Most steps kept per journey; later ones are counted in `droppedSteps`. */
  readonly maxSteps: number;
  /** Most client ids, browsers and redirect hosts each journey binds; more are counted in `overflow`. */
  readonly maxKeys: number;
}

/**
 * How long after a journey's one registration another registration from its address still joins
 * it: Claude registers twice about a second apart. Later, it is most likely another user behind
 * the same egress address (docs/journeys.md).
 */
export const REGISTRATION_PAIR_SECONDS = 5;

export interface JourneyCorrelator {
  /** Feeds one event; returns the journeys it ended (connected, or evicted over the bound). */
  record(event: JourneyEvent): Journey[];
  /** Ends the journeys idle longer than the window, or older than their lifetime. */
  expire(): Journey[];
  /** Ends every open journey (shutdown). */
  endAll(): Journey[];
  readonly openCount: number;
  /** Keys held in the look-up indexes (client ids, browsers, addresses): bounded, see the options. */
  readonly indexedCount: number;
}

type KeyKind = keyof JourneyOverflow;

interface OpenJourney {
  readonly id: string;
  readonly startedAt: number;
  lastAt: number;
  address?: string;
  readonly keys: Readonly<Record<KeyKind, Set<string>>>;
  readonly overflow: Record<KeyKind, number>;
  /** Successful registrations, and when the first happened. */
  registrations: number;
  registeredAt?: number;
  steps: JourneyStep[];
  droppedSteps: number;
  fold: VerdictFold;
}

export function createJourneyCorrelator(options: JourneyCorrelatorOptions, deps: { readonly clock: Clock; readonly random: Random }): JourneyCorrelator {
  const open = new Map<string, OpenJourney>();
  const byAddress = new Map<string, OpenJourney>();
  /** Client ids and browsers; redirect hosts are kept, never looked up. */
  const indexes: Readonly<Record<'clientIds' | 'browsers', Map<string, OpenJourney>>> = { clientIds: new Map(), browsers: new Map() };

  const ended = (journey: OpenJourney, now: number): JourneyEnd | undefined => {
    if (now - journey.lastAt > options.idleSeconds) return 'timeout';
    return now - journey.startedAt > options.maxLifetimeSeconds ? 'lifetime' : undefined;
  };

  const live = (journey: OpenJourney | undefined, now: number): OpenJourney | undefined =>
    journey !== undefined && open.has(journey.id) && ended(journey, now) === undefined ? journey : undefined;

  const unindex = <K>(index: Map<K, OpenJourney>, key: K, journey: OpenJourney): void => {
    if (index.get(key) === journey) index.delete(key);
  };

  function forget(journey: OpenJourney): void {
    open.delete(journey.id);
    for (const clientId of journey.keys.clientIds) unindex(indexes.clientIds, clientId, journey);
    for (const browser of journey.keys.browsers) unindex(indexes.browsers, browser, journey);
    if (journey.address !== undefined) unindex(byAddress, journey.address, journey);
  }

  function close(journey: OpenJourney, end: JourneyEnd): Journey {
    forget(journey);
    const { overflow } = journey;
    const overflowed = overflow.clientIds + overflow.browsers + overflow.redirectHosts > 0;
    return {
      id: journey.id,
      startedAt: journey.startedAt,
      lastAt: journey.lastAt,
      endedAt: end === 'connected' ? journey.lastAt : deps.clock.now(),
      end,
      clientIds: [...journey.keys.clientIds],
      ...(journey.address === undefined ? {} : { address: journey.address }),
      redirectHosts: [...journey.keys.redirectHosts],
      steps: journey.steps,
      droppedSteps: journey.droppedSteps,
      ...(overflowed ? { overflow: { ...overflow } } : {}),
      verdict: verdictOf(journey.fold),
    };
  }

  function start(event: JourneyEvent): OpenJourney {
    const journey: OpenJourney = {
      id: deps.random.token(12),
      startedAt: event.at,
      lastAt: event.at,
      keys: { clientIds: new Set(), browsers: new Set(), redirectHosts: new Set() },
      overflow: { clientIds: 0, browsers: 0, redirectHosts: 0 },
      registrations: 0,
      steps: [],
      droppedSteps: 0,
      fold: EMPTY_FOLD,
    };
    open.set(journey.id, journey);
    return journey;
  }

  /** Adds `key` to the journey (and its index) while under the bound; counts it beyond. */
  function bind(journey: OpenJourney, kind: KeyKind, key: string): void {
    const keys = journey.keys[kind];
    if (!keys.has(key)) {
      if (keys.size >= options.maxKeys) {
        journey.overflow[kind] += 1;
        return;
      }
      keys.add(key);
    }
    if (kind !== 'redirectHosts') indexes[kind].set(key, journey);
  }

  /**
   * Folds a client-less journey from the client's address into the client's own journey, when the
   * client's journey has no steps from before registration: then that journey is the missing start
   * of this one, not a stranger's attempt from the same egress address.
   */
  function absorb(into: OpenJourney, other: OpenJourney): void {
    if (other === into || other.keys.clientIds.size > 0 || into.steps.some((step) => rankOf(step.kind) <= rankOf('register'))) return;
    forget(other);
    if (into.address !== undefined) unindex(byAddress, into.address, into);
    const steps = [...other.steps, ...into.steps].sort((a, b) => a.at - b.at);
    into.steps = steps.slice(0, options.maxSteps);
    into.droppedSteps += other.droppedSteps + Math.max(0, steps.length - options.maxSteps);
    into.fold = into.steps.reduce(foldStep, EMPTY_FOLD);
    for (const kind of ['browsers', 'redirectHosts'] as const) {
      for (const key of other.keys[kind]) bind(into, kind, key);
      into.overflow[kind] += other.overflow[kind];
    }
    if (other.address !== undefined) {
      into.address = other.address;
      byAddress.set(other.address, into);
    }
  }

  function find(event: JourneyEvent, now: number): OpenJourney | undefined {
    const { clientId, address, browser } = event;
    const mine = (clientId === undefined ? undefined : live(indexes.clientIds.get(clientId), now)) ?? (browser === undefined ? undefined : live(indexes.browsers.get(browser), now));
    const local = address === undefined ? undefined : live(byAddress.get(address), now);
    if (mine !== undefined) {
      if (local !== undefined) absorb(mine, local);
      return mine;
    }
    return local !== undefined && adoptable(event, local) ? local : undefined;
  }

  /**
   * Whether an event without a journey of its own may join its address's journey. Hosted clients
   * share egress addresses, so an established connection's MCP request or refresh never joins a
   * stranger's attempt; an MCP request refused for its token joins only an attempt that got one;
   * a registration joins only an attempt with no client yet, or Claude's second registration.
   */
  function adoptable(event: JourneyEvent, local: OpenJourney): boolean {
    if (event.kind === 'mcp') return event.clientId === undefined && local.fold.reached >= rankOf('token');
    if (!opens(event)) return false;
    if (event.clientId === undefined || local.keys.clientIds.size === 0) return true;
    return event.kind === 'register' && local.registrations === 1 && local.registeredAt !== undefined && event.at - local.registeredAt <= REGISTRATION_PAIR_SECONDS;
  }

  /** Authenticated MCP requests and successful refreshes continue a journey, never start one. */
  const opens = (event: JourneyEvent): boolean => event.kind !== 'mcp' && !(event.kind === 'token' && event.detail.ok && event.detail.note === 'refresh_token');

  function add(journey: OpenJourney, event: JourneyEvent): void {
    const step: JourneyStep = { kind: event.kind, at: event.at, ...event.detail };
    journey.lastAt = Math.max(journey.lastAt, event.at);
    if (journey.steps.length < options.maxSteps) journey.steps.push(step);
    else journey.droppedSteps += 1;
    journey.fold = foldStep(journey.fold, step);
    if (event.clientId !== undefined) bind(journey, 'clientIds', event.clientId);
    if (event.browser !== undefined) bind(journey, 'browsers', event.browser);
    if (event.detail.redirectHost !== undefined) bind(journey, 'redirectHosts', event.detail.redirectHost);
    if (event.kind === 'register' && event.clientId !== undefined) {
      journey.registrations += 1;
      journey.registeredAt ??= event.at;
    }
    if (event.address !== undefined && journey.address === undefined) {
      journey.address = event.address;
      byAddress.set(event.address, journey);
    }
  }

  function expire(): Journey[] {
    const now = deps.clock.now();
    const closed: Journey[] = [];
    for (const journey of open.values()) {
      const end = ended(journey, now);
      if (end !== undefined) closed.push(close(journey, end));
    }
    return closed;
  }

  function record(event: JourneyEvent): Journey[] {
    const closed: Journey[] = [];
    let journey = find(event, event.at);
    if (journey === undefined) {
      if (!opens(event)) return closed;
      journey = start(event);
    }
    add(journey, event);
    if (event.kind === 'mcp' && event.detail.ok) closed.push(close(journey, 'connected'));
    while (open.size > options.maxOpen) {
      const oldest = open.values().next().value;
      if (oldest === undefined) break;
      closed.push(close(oldest, 'evicted'));
    }
    return closed;
  }

  return {
    record,
    expire,
    endAll: () => [...open.values()].map((journey) => close(journey, 'shutdown')),
    get openCount() {
      return open.size;
    },
    get indexedCount() {
      return indexes.clientIds.size + indexes.browsers.size + byAddress.size;
    },
  };
}
