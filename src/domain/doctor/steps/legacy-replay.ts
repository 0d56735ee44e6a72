import type { DoctorContext } from '../context.js';
import { initializeMessage, messageAnswer, type RpcAnswer } from '../jsonrpc.js';
import { fail, type StepResult } from '../report.js';
import { mcpHeaders } from './mcp-request.js';
import { getHeaders } from './streams.js';

/**
 * The MCP calls over legacy HTTP+SSE, as a 2024-11-05 client makes them: keep the GET stream open,
 * POST each message to the URL of its `endpoint` event (202 Accepted), and read the response as a
 * `message` event on the stream (MCP 2024-11-05 basic/transports "HTTP with SSE"). The token goes
 * only to an endpoint on the pasted URL's origin.
 */
export const SSE_VERSION = '2024-11-05';

export type LegacyStep = 'tools-list' | 'tool-call';

/** A response that arrived on the stream, and its round trip from the POST. */
export interface LegacyAnswer {
  readonly answer: RpcAnswer;
  readonly ms: number;
}

const LOST = 'responses never arrive on the stream — a proxy buffering the stream, or the session was lost';
const LOST_FIX =
  'Send `X-Accel-Buffering: no` and `Cache-Control: no-cache` on the stream and flush each event at once (`proxy_buffering off` in nginx); route every POST to the instance that holds its stream (one instance, or sticky sessions).';

export const isResult = <T extends object>(value: T | StepResult): value is StepResult => 'verdict' in value;

export function describeRpc(answer: RpcAnswer): string {
  return answer.error === undefined ? 'a result' : `JSON-RPC error ${answer.error.code} ${answer.error.message}`.trim();
}

/** Opens the session's stream and reads its `endpoint` event; a failure names `step`. */
export async function openLegacySession(context: DoctorContext, step: LegacyStep): Promise<StepResult | undefined> {
  const { url, sseWaitMs } = context.options;
  const stream = await context.openSse({ method: 'GET', url, headers: getHeaders(context, undefined, false) });
  const type = (stream.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (stream.status !== 200 || type !== 'text/event-stream') {
    return fail(step, `GET for the legacy session → ${stream.status} ${type}`.trim(), 'the legacy SSE stream did not open again for the session the client keeps', 'Open an SSE stream (with its own `endpoint` event) for every GET of a legacy client.');
  }
  const first = await context.nextEvent(stream, sseWaitMs);
  if (first?.name !== 'endpoint') {
    const seen = first === undefined ? `no endpoint event within ${sseWaitMs} ms` : `first event "${first.name}"`;
    return fail(step, `legacy session: ${seen}`, 'the session\'s stream sent no endpoint event: a proxy buffering the stream', LOST_FIX);
  }
  const data = first.data.trim();
  const endpoint = URL.canParse(data, url) ? new URL(data, url) : undefined;
  if (endpoint?.origin !== context.target.origin) {
    return fail(
      step,
      `legacy session: endpoint ${JSON.stringify(data.slice(0, 120))}`,
      `the endpoint event points to ${endpoint === undefined ? 'no URL' : `another origin (${endpoint.origin})`}: the client would send its messages and token there; the doctor sent nothing`,
      'Build the endpoint from the public base URL in configuration (or send a relative path such as /messages?sessionId=…).',
    );
  }
  context.findings.legacySession = { stream, endpoint: endpoint.href };
  return undefined;
}

/**
 * POSTs one message to the session's endpoint. A request (`id` given) then waits up to the request
 * timeout for its response on the stream, skipping other events; a notification waits for nothing.
 */
export async function legacyRoundTrip(context: DoctorContext, step: LegacyStep, method: string, body: string, id?: number): Promise<LegacyAnswer | StepResult> {
  const session = context.findings.legacySession;
  if (session === undefined) return fail(step, 'no legacy session', 'the legacy session was not opened', 'Run the doctor again.');
  const { probe } = context.ports;
  const started = probe.nowMs();
  const headers = mcpHeaders(context, { accept: null, session: false });
  const posted = await context.send({ method: 'POST', url: session.endpoint, headers, body });
  const measured = `POST ${method} → ${posted.status}`;
  if (posted.status !== 202 && posted.status !== 200) {
    return fail(step, `${measured}${posted.body === '' ? '' : `: ${posted.body.slice(0, 120)}`}`, `the message endpoint refused ${method}`, 'Accept POSTs to the endpoint URL (with the bearer token) and answer 202 Accepted; the response goes on the stream.');
  }
  if (id === undefined) return { answer: {}, ms: Math.round(probe.nowMs() - started) };
  const { requestTimeoutMs } = context.options;
  for (;;) {
    const left = requestTimeoutMs - (probe.nowMs() - started);
    const event = left > 0 ? await context.nextEvent(session.stream, left) : undefined;
    if (event === undefined) {
      const ended = session.stream.ended() ? ' (the stream ended)' : '';
      return fail(step, `${measured}, no response on the stream within ${requestTimeoutMs} ms${ended}`, LOST, LOST_FIX);
    }
    const answer = event.name === 'message' ? messageAnswer(event.data, id) : undefined;
    if (answer !== undefined) return { answer, ms: Math.round(probe.nowMs() - started) };
  }
}

/** The session a 2024-11-05 client opens: its stream, `initialize` (2024-11-05), `notifications/initialized`. */
export async function legacyHandshake(context: DoctorContext, step: LegacyStep): Promise<LegacyAnswer | StepResult> {
  const refused = await openLegacySession(context, step);
  if (refused !== undefined) return refused;
  const initialized = await legacyRoundTrip(context, step, 'initialize', initializeMessage(context.options.profile, 2, SSE_VERSION), 2);
  if (isResult(initialized)) return initialized;
  if (typeof initialized.answer.result?.['protocolVersion'] !== 'string') {
    return fail(step, `initialize (${SSE_VERSION}) over legacy SSE → ${describeRpc(initialized.answer)}`, 'initialize over legacy SSE failed', `Answer initialize (${SSE_VERSION}) on the message endpoint, with the response on the stream.`);
  }
  const notified = await legacyRoundTrip(context, step, 'notifications/initialized', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return isResult(notified) ? notified : initialized;
}
