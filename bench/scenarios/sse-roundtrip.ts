import { Agent, request } from 'node:http';
import { MESSAGE } from '../lib/requests.js';
import { openSseStream, type SseStream } from '../lib/sse-client.js';
import { percentile } from '../lib/stats.js';

/**
 * Legacy SSE round trip under load: `streams` legacy sessions (`GET /sse`), each initialised, then
 * each calling `echo` in a closed loop — `POST /messages` (202) and the JSON-RPC response read off
 * its stream — for `durationSeconds`. Latency is from the POST to the response event.
 * @see MCP 2024-11-05 basic/transports "HTTP with SSE"
 */
export interface RoundTripOptions {
  readonly origin: string;
  readonly token: string;
  readonly streams: number;
  readonly durationSeconds: number;
}

export interface RoundTripResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** A response that has not arrived by then counts as an error, so a run always ends. */
const CALL_TIMEOUT_MS = 10_000;

interface Session {
  readonly stream: SseStream;
  readonly waiting: Map<number, () => void>;
}

function post(agent: Agent, origin: string, path: string, token: string, body: unknown): Promise<number> {
  const url = new URL(path, origin);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function openSession(options: RoundTripOptions): Promise<Session> {
  const waiting = new Map<number, () => void>();
  const stream = await openSseStream(options.origin, '/sse', options.token, {
    onMessage(data) {
      const id = (JSON.parse(data) as { id?: unknown }).id;
      if (typeof id !== 'number') return;
      waiting.get(id)?.();
      waiting.delete(id);
    },
  });
  return { stream, waiting };
}

/** POSTs `message` and resolves when its response arrived on the stream; rejects on a non-202. */
async function call(agent: Agent, options: RoundTripOptions, session: Session, message: { id: number } & Record<string, unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const answered = new Promise<void>((resolve, reject) => {
    session.waiting.set(message.id, resolve);
    timer = setTimeout(() => {
      session.waiting.delete(message.id);
      reject(new Error(`no response to ${message.id} within ${CALL_TIMEOUT_MS} ms`));
    }, CALL_TIMEOUT_MS);
  });
  try {
    const status = await post(agent, options.origin, session.stream.endpoint, options.token, message);
    if (status !== 202) throw new Error(`POST /messages answered ${status}`);
    await answered;
  } finally {
    clearTimeout(timer);
    session.waiting.delete(message.id);
  }
}

async function initialise(agent: Agent, options: RoundTripOptions, session: Session): Promise<void> {
  const params = { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'keyway-bench', version: '1.0.0' } };
  await call(agent, options, session, { jsonrpc: '2.0', id: 0, method: 'initialize', params });
  const status = await post(agent, options.origin, session.stream.endpoint, options.token, { jsonrpc: '2.0', method: 'notifications/initialized' });
  if (status !== 202) throw new Error(`notifications/initialized answered ${status}`);
}

async function loop(agent: Agent, options: RoundTripOptions, session: Session, deadline: number, latencies: number[]): Promise<number> {
  let errors = 0;
  for (let id = 1; performance.now() < deadline; id += 1) {
    const started = performance.now();
    try {
      await call(agent, options, session, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE } } });
      latencies.push(performance.now() - started);
    } catch {
      errors += 1;
    }
  }
  return errors;
}

export async function runSseRoundTrip(options: RoundTripOptions): Promise<RoundTripResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.streams });
  const sessions = await Promise.all(Array.from({ length: options.streams }, () => openSession(options)));
  try {
    await Promise.all(sessions.map((session) => initialise(agent, options, session)));
    const latencies: number[] = [];
    const started = performance.now();
    const errors = await Promise.all(sessions.map((session) => loop(agent, options, session, started + options.durationSeconds * 1000, latencies)));
    const durationSeconds = (performance.now() - started) / 1000;
    return {
      requests: latencies.length,
      durationSeconds,
      requestsPerSecond: latencies.length / durationSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      errors: errors.reduce((sum, count) => sum + count, 0),
    };
  } finally {
    for (const session of sessions) session.stream.close();
    agent.destroy();
  }
}
