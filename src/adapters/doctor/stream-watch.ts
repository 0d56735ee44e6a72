import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { ProbeRequest, SseEvent, StreamObservation, StreamWatch } from '../../domain/ports/probe.js';
import { flattenHeaders, open, type ExchangeOptions } from './http-exchange.js';

/**
 * Watches a GET answer as an event stream (WHATWG HTML §9.2 parsing, reduced to `event:`, `data:`
 * and `:` comments) and records when each part arrived. Rejects when no response headers arrive
 * within `timeoutMs`; otherwise resolves with what arrived once the stream ends, the wanted
 * heartbeats arrived after the first event, `waitMs` passed, or `maxBodyBytes` arrived (a stream
 * without line breaks would otherwise grow the pending line without bound) — and then closes the
 * connection.
 */
const PREFIX_BYTES = 2048;

export interface Parser {
  readonly events: SseEvent[];
  readonly heartbeats: number[];
  feed(text: string, atMs: number): void;
}

export function createParser(): Parser {
  const events: SseEvent[] = [];
  const heartbeats: number[] = [];
  let pending = '';
  let name = '';
  let data: string[] = [];
  const line = (text: string, atMs: number): void => {
    if (text === '') {
      if (data.length > 0) events.push({ name: name === '' ? 'message' : name, data: data.join('\n'), atMs });
      name = '';
      data = [];
    } else if (text.startsWith(':')) heartbeats.push(atMs);
    else if (text.startsWith('event:')) name = text.slice(6).trim();
    else if (text.startsWith('data:')) data.push(text.slice(5).replace(/^ /, ''));
  };
  return {
    events,
    heartbeats,
    feed: (text, atMs) => {
      pending += text;
      const lines = pending.split(/\r\n|\r|\n/);
      pending = lines.pop() ?? '';
      for (const entry of lines) line(entry, atMs);
    },
  };
}

export function watchStream(request: ProbeRequest, watch: StreamWatch, options: ExchangeOptions, nowMs: () => number): Promise<StreamObservation> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const outgoing = open(request, options);
    const parser = createParser();
    let answered: { readonly response: IncomingMessage; readonly headersAtMs: number } | undefined;
    let prefix = '';
    let received = 0;
    // Characters split across chunks are decoded whole.
    const decoder = new StringDecoder('utf8');
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(headerTimer);
      clearTimeout(watchTimer);
      outgoing.destroy();
      if (answered === undefined) return;
      const { response, headersAtMs } = answered;
      resolve({ status: response.statusCode ?? 0, headers: flattenHeaders(response.headers), headersAtMs, events: parser.events, heartbeatsAtMs: parser.heartbeats, bodyPrefix: prefix });
    };
    const headerTimer = setTimeout(() => {
      if (answered !== undefined) return;
      done = true;
      clearTimeout(watchTimer);
      outgoing.destroy();
      reject(new Error(`no response headers from GET ${request.url} within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    const watchTimer = setTimeout(() => {
      if (answered !== undefined) finish();
    }, watch.waitMs);
    outgoing.on('error', (error) => {
      if (done) return;
      if (answered !== undefined) return finish();
      done = true;
      clearTimeout(headerTimer);
      clearTimeout(watchTimer);
      reject(new Error(`GET ${request.url}: ${error.message}`));
    });
    outgoing.on('response', (incoming: IncomingMessage) => {
      const headersAtMs = nowMs() - started;
      answered = { response: incoming, headersAtMs };
      const isStream = (incoming.headers['content-type'] ?? '').startsWith('text/event-stream');
      incoming.on('data', (chunk: Buffer) => {
        if (done) return;
        const kept = chunk.subarray(0, Math.max(0, options.maxBodyBytes - received));
        received += chunk.length;
        const text = decoder.write(kept);
        if (!isStream) prefix = `${prefix}${text}`.slice(0, PREFIX_BYTES);
        else parser.feed(text, nowMs() - started);
        const first = parser.events[0];
        const heartbeatsSeen = first !== undefined && parser.heartbeats.filter((at) => at > first.atMs).length >= watch.heartbeats;
        if (heartbeatsSeen || received >= options.maxBodyBytes) finish();
      });
      incoming.on('error', () => undefined);
      incoming.on('end', finish);
      incoming.on('close', finish);
      if (watch.waitMs <= headersAtMs) finish();
    });
    outgoing.end(request.body);
  });
}
