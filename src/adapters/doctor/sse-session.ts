import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { ProbeRequest, SseEvent, SseSession } from '../../domain/ports/probe.js';
import { flattenHeaders, open, type ExchangeOptions } from './http-exchange.js';
import { createParser } from './stream-watch.js';

/**
 * A legacy SSE session's stream held open (MCP 2024-11-05 "HTTP with SSE"): events are parsed as
 * they arrive (the same reduced WHATWG parser as the watcher) and handed out one at a time. At
 * most `maxBodyBytes` are read; then, as when the server ends the stream, `next` answers
 * `undefined` at once. Rejects when no response headers arrive within `timeoutMs`.
 */
export function openSse(request: ProbeRequest, options: ExchangeOptions, nowMs: () => number): Promise<SseSession> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const outgoing = open(request, options);
    const parser = createParser();
    const decoder = new StringDecoder('utf8');
    let read = 0;
    let received = 0;
    let over = false;
    let answered = false;
    // Wakes a pending `next` when bytes arrive or the stream ends.
    let wake: () => void = () => undefined;
    const end = (): void => {
      over = true;
      wake();
    };
    const close = (): void => {
      end();
      outgoing.destroy();
    };
    const next = async (timeoutMs: number): Promise<SseEvent | undefined> => {
      const until = nowMs() + timeoutMs;
      for (;;) {
        const event = parser.events[read];
        if (event !== undefined) {
          read += 1;
          return event;
        }
        const left = until - nowMs();
        if (over || left <= 0) return undefined;
        await new Promise<void>((settle) => {
          const timer = setTimeout(settle, left);
          wake = () => {
            clearTimeout(timer);
            settle();
          };
        });
      }
    };
    const headerTimer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`no response headers from GET ${request.url} within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(headerTimer);
      if (!answered) reject(new Error(`GET ${request.url}: ${error.message}`));
      end();
    });
    outgoing.on('response', (incoming: IncomingMessage) => {
      clearTimeout(headerTimer);
      answered = true;
      const isStream = (incoming.headers['content-type'] ?? '').startsWith('text/event-stream');
      incoming.on('data', (chunk: Buffer) => {
        if (over) return;
        const kept = chunk.subarray(0, Math.max(0, options.maxBodyBytes - received));
        received += chunk.length;
        if (isStream) parser.feed(decoder.write(kept), nowMs() - started);
        if (received >= options.maxBodyBytes) close();
        else wake();
      });
      incoming.on('error', () => undefined);
      incoming.on('end', end);
      incoming.on('close', end);
      resolve({ status: incoming.statusCode ?? 0, headers: flattenHeaders(incoming.headers), headersAtMs: nowMs() - started, next, ended: () => over, close });
    });
    outgoing.end(request.body);
  });
}
