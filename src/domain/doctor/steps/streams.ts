import type { StreamObservation } from '../../ports/probe.js';
import type { DoctorContext } from '../context.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';
import { mcpHeaders, NEEDS_TOKEN, needsToken, noStreamable } from './mcp-request.js';

/**
 * The GET side: the optional listen stream after connecting (405 must carry `Allow`, #499), and
 * the legacy HTTP+SSE stream — its `endpoint` event's arrival time shows a buffering proxy, its
 * `:` comments the heartbeat cadence (CLIENTS.md 1.7, §3).
 */
export const getHeaders = (context: DoctorContext, version: string | undefined, session: boolean): Record<string, string> => {
  const headers = mcpHeaders(context, { accept: 'text/event-stream', session, ...(version === undefined ? {} : { version }) });
  delete headers['content-type'];
  return headers;
};

const typeOf = (seen: StreamObservation): string => (seen.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';

export async function checkListenStream(context: DoctorContext): Promise<StepResult> {
  const negotiated = context.findings.negotiated;
  if (negotiated === undefined) return skip('listen-stream', needsToken(context) ? NEEDS_TOKEN : noStreamable(context));
  // Only the status and the headers' arrival are judged: the watch ends with the headers (a quiet listen stream sends nothing more).
  const seen = await context.watch({ method: 'GET', url: context.options.url, headers: getHeaders(context, negotiated.version, true) }, { waitMs: 0, heartbeats: 0 });
  if (seen.status === 405) {
    const allow = seen.headers['allow'];
    if (allow !== undefined) return pass('listen-stream', `405, Allow: ${allow}`);
    return fail('listen-stream', '405 without Allow', 'Claude opens the optional GET stream after connecting; a 405 without Allow left it stuck on "Checking connection" (#499)', 'Answer GET on the MCP URL with 405 and `Allow: POST, DELETE` (or open the stream and send a first comment at once).');
  }
  if (seen.status === 200 && typeOf(seen) === 'text/event-stream') {
    return pass('listen-stream', `200 event stream, headers after ${Math.round(seen.headersAtMs)} ms`);
  }
  return warn('listen-stream', `${seen.status} ${typeOf(seen)}`.trim(), 'an unexpected answer to the optional GET listen stream', 'Answer 405 with Allow, or open an SSE stream.');
}

/**
 * The legacy stream: checked when the POST sent the client there, or offered on the URL anyway.
 * The GET is the one a 2024-11-05 client sends: no session id and no protocol version, so a
 * stateful server (Keyway with KEYWAY_MCP_SESSIONS=on) does not answer with the session's listen
 * stream. A server that opens a listen stream on any GET still answers with one; when Streamable
 * HTTP answered, the client never needs legacy SSE, so such a stream is no fault (and checking
 * `/sse` instead would test a URL the person did not paste).
 */
export async function checkLegacySse(context: DoctorContext): Promise<StepResult> {
  if (needsToken(context)) return skip('sse', NEEDS_TOKEN);
  if (context.options.transport === 'streamable') return skip('sse', '--transport streamable: legacy SSE not tried');
  const fellBack = context.findings.negotiated === undefined;
  const { sseWaitMs, heartbeatWaitMs } = context.options;
  const seen = await context.watch({ method: 'GET', url: context.options.url, headers: getHeaders(context, undefined, false) }, { waitMs: sseWaitMs + heartbeatWaitMs, heartbeats: 1 });
  if (seen.status !== 200 || typeOf(seen) !== 'text/event-stream') {
    const measured = `GET → ${seen.status} ${typeOf(seen)}`.trim();
    if (!fellBack) return skip('sse', `${measured}: no legacy SSE on this URL (Streamable HTTP answered)`);
    const opened = context.options.transport === 'sse' ? 'a legacy SSE client (--transport sse) opens GET' : `the POST got ${String(context.findings.postStatus)}, so the client falls back to GET`;
    return fail('sse', measured, `${opened} expecting an SSE stream, and found none`, 'Serve Streamable HTTP on POST, or legacy SSE (an `endpoint` event) on GET.');
  }
  const first = seen.events[0];
  if (!fellBack && first?.name !== 'endpoint') {
    const opened = first === undefined ? `no event within ${sseWaitMs + heartbeatWaitMs} ms` : `first event "${first.name}"`;
    return skip('sse', `GET → 200 event stream, ${opened}: GET opens a Streamable listen stream, not legacy SSE (Streamable HTTP answered)`);
  }
  const result = judgeStream(context, seen);
  // The MCP calls go over this transport when it is the only one: tools-list replays them.
  context.findings.legacySse = fellBack && result.verdict !== 'fail';
  return result;
}

function judgeStream(context: DoctorContext, seen: StreamObservation): StepResult {
  const { sseWaitMs, heartbeatWaitMs } = context.options;
  const first = seen.events[0];
  const headersAt = `headers after ${Math.round(seen.headersAtMs)} ms`;
  if (first === undefined || first.atMs > sseWaitMs) {
    return fail('sse', `${headersAt}, no endpoint event within ${sseWaitMs} ms`, 'the endpoint event does not arrive: a proxy or CDN buffers the event stream, and the client times out', 'Send `X-Accel-Buffering: no` and `Cache-Control: no-cache` on every SSE response and flush at once; set `proxy_buffering off` (nginx) or bypass the CDN cache for the stream.');
  }
  if (first.name !== 'endpoint') {
    return fail('sse', `first event "${first.name}" after ${Math.round(first.atMs)} ms`, 'the first event of a legacy SSE stream must be `endpoint`', 'Send the `endpoint` event (the message URL) first.');
  }
  const measured = `endpoint event after ${Math.round(first.atMs)} ms (${headersAt})`;
  const data = first.data.trim();
  if (!URL.canParse(data, context.options.url)) {
    return fail('sse', `${measured}, endpoint ${JSON.stringify(data.slice(0, 120))}`, `the endpoint event's data is not a URL: ${data.slice(0, 120)}`, 'Send the message URL (a path such as /messages?sessionId=…, or an absolute URL on this origin) as the endpoint event\'s data.');
  }
  const endpoint = new URL(data, context.options.url);
  if (endpoint.origin !== context.target.origin) {
    return fail('sse', `${measured}, endpoint ${endpoint.href}`, 'the endpoint event points to another origin: a URL built from request headers behind a proxy', 'Build the endpoint from the public base URL in configuration (or send a relative path).');
  }
  const beat = seen.heartbeatsAtMs.find((at) => at > first.atMs);
  if (beat === undefined) {
    return warn('sse', `${measured}; no heartbeat within ${heartbeatWaitMs} ms`, 'proxies and load balancers drop a stream that stays idle for 60 s', 'Send a `:` comment every 15 s on each SSE stream.');
  }
  return pass('sse', `${measured}; heartbeat ${Math.round(beat - first.atMs)} ms later`);
}
