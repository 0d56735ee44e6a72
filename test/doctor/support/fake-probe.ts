import type { Probe, ProbeRequest, ResolvedAddress, SseSession, StreamObservation } from '../../../src/domain/ports/probe.js';
import type { World, WorldAnswer } from './world.js';

/**
 * The doctor's probe port over a {@link World}, without sockets: every answer takes 1 ms, a
 * stream's events arrive at 2 ms and its first heartbeat `heartbeatMs` later (if the watch lasts
 * that long). A held stream (`openSse`) hands out its events and then what its channel receives;
 * with nothing there, `next` answers at once as if its wait had passed. `requests` records what
 * the doctor sent.
 */
export interface FakeNetwork {
  /** What the name resolves to; default one public IPv4 address. */
  readonly addresses?: readonly ResolvedAddress[];
  /** Makes the TLS handshake fail with this message. */
  readonly tlsError?: string;
}

export interface FakeProbe extends Probe {
  readonly requests: ProbeRequest[];
}

const PUBLIC: readonly ResolvedAddress[] = [{ address: '160.79.104.10', family: 4, scope: 'public' }];

function answer(origin: string, world: World, request: ProbeRequest): WorldAnswer {
  const url = new URL(request.url);
  if (url.origin !== origin) throw new Error(`connect ECONNREFUSED ${url.host}`);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return world({ method: request.method, path: `${url.pathname}${url.search}`, headers, body: request.body ?? '' });
}

function held(origin: string, world: World, request: ProbeRequest): SseSession {
  const { status, headers = {}, stream } = answer(origin, world, request);
  const live = stream !== undefined && stream.buffered !== true;
  const queue = live ? [...stream.events] : [];
  let closed = false;
  const stop = live && stream.channel !== undefined ? stream.channel.listen((event) => queue.push(event)) : () => undefined;
  return {
    status,
    headers,
    headersAtMs: 1,
    next: async () => {
      const event = closed ? undefined : queue.shift();
      return event === undefined ? undefined : { ...event, atMs: 2 };
    },
    ended: () => closed,
    close: () => {
      closed = true;
      stop();
    },
  };
}

export function createFakeProbe(origin: string, world: World, network: FakeNetwork = {}): FakeProbe {
  const requests: ProbeRequest[] = [];
  let clock = 0;
  let counter = 0;
  return {
    requests,
    resolve: async () => network.addresses ?? PUBLIC,
    handshake: async (host) => {
      if (network.tlsError !== undefined) throw new Error(network.tlsError);
      return { protocol: 'TLSv1.3', validTo: '2027-01-01', daysLeft: 90, subject: host };
    },
    exchange: async (request) => {
      requests.push(request);
      const { status, headers = {}, body = '' } = answer(origin, world, request);
      return { status, headers, body, ms: 1 };
    },
    watchStream: async (request, watch): Promise<StreamObservation> => {
      requests.push(request);
      const { status, headers = {}, body = '', stream } = answer(origin, world, request);
      if (stream === undefined) return { status, headers, headersAtMs: 1, events: [], heartbeatsAtMs: [], bodyPrefix: body };
      const events = stream.buffered === true ? [] : stream.events.map((event) => ({ ...event, atMs: 2 }));
      const beat = 2 + stream.heartbeatMs;
      return { status, headers, headersAtMs: 1, events, heartbeatsAtMs: stream.buffered !== true && beat <= watch.waitMs ? [beat] : [], bodyPrefix: '' };
    },
    openSse: async (request) => {
      requests.push(request);
      return held(origin, world, request);
    },
    nowMs: () => (clock += 1),
    randomToken: () => `token-${(counter += 1)}`,
    s256: (verifier) => `s256-${verifier}`,
  };
}
