import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, MessageExtraInfo, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';

/**
 * The server half of the legacy HTTP+SSE transport (MCP 2024-11-05): one long-lived `text/event-stream`
 * response carries every server-to-client message; the client POSTs its messages to the URL named in
 * the first `endpoint` event, and the endpoint hands them to {@link SseServerTransport.handleMessage}.
 * @see MCP 2024-11-05 basic/transports "HTTP with SSE"
 * @see WHATWG HTML §9.2 Server-sent events (event stream format)
 */
export interface SseTransportOptions {
  /** The session this stream belongs to; it goes out in the `endpoint` event. */
  readonly sessionId: string;
  /** Interval of `:` comment lines that keep proxies and load balancers from cutting an idle stream. */
  readonly heartbeatMs: number;
  /** Most bytes that may wait in the socket's write buffer before the reader counts as too slow. */
  readonly maxBufferBytes: number;
  /** Reconnect delay announced with `retry:` when the server closes the stream itself. */
  readonly retryMs: number;
  readonly logger: Logger;
}

/** Why a stream ended, for the log and for tests. */
export type SseCloseReason = 'server' | 'client' | 'slow_reader';

/**
 * Headers every SSE response needs to arrive unbuffered: `X-Accel-Buffering: no` turns off nginx
 * response buffering, `no-cache` keeps caches and CDNs from holding the stream (CLIENTS.md: proxy
 * buffering is the classic reason the `endpoint` event never arrives). @see SECURITY.md J1
 */
const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
});

/**
 * One SSE event. `data` never holds a line break here: JSON.stringify escapes them, and the
 * endpoint path is built from URL-safe characters, so one `data:` line is always enough.
 */
function sseEvent(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/** The `endpoint` event's URL: a path relative to the stream's origin, so no Host header is trusted. */
export function messagesPath(sessionId: string): string {
  return `/messages?sessionId=${encodeURIComponent(sessionId)}`;
}

/** The server side of one legacy SSE stream, on the SDK's `Transport` interface (the SDK requires a class). */
export class SseServerTransport implements Transport {
  readonly sessionId: string;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;
  /** Settles once the stream is over, whoever ended it, after `onclose` ran. */
  readonly closed: Promise<SseCloseReason>;

  readonly #res: ServerResponse;
  readonly #options: SseTransportOptions;
  #started = false;
  #ended = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #settle: (reason: SseCloseReason) => void = () => undefined;

  constructor(res: ServerResponse, options: SseTransportOptions) {
    this.#res = res;
    this.#options = options;
    this.sessionId = options.sessionId;
    this.closed = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** True once the stream has ended; later sends fail. */
  get isClosed(): boolean {
    return this.#ended;
  }

  /**
   * Sends the headers and the `endpoint` event at once: a client (Claude.ai among them) that sees
   * no first byte soon reports the connector as broken. @see SECURITY.md J1
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('SseServerTransport already started');
    this.#started = true;
    if (this.#ended) return;
    const res = this.#res;
    // Every server-side ending runs #finish first, so a `close` reaching here is the client leaving.
    res.on('close', () => this.#finish('client'));
    if (res.destroyed) {
      this.#finish('client');
      return;
    }
    this.#keepSocketAlive();
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    this.#write(sseEvent('endpoint', messagesPath(this.sessionId)));
    this.#heartbeat = setInterval(() => this.#write(': keepalive\n\n'), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * Writes one message as an `event: message`. 2024-11-05 has a single stream, so responses,
   * progress and server-to-client requests of every call go out here (`relatedRequestId` has
   * nowhere else to route to).
   */
  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (this.#ended) throw new Error('SSE stream closed');
    if (!this.#write(sseEvent('message', JSON.stringify(message)))) {
      throw new Error('SSE stream closed: the client is not reading');
    }
  }

  /** Hands a message the client POSTed to the server; `extra.authInfo` carries who sent it. */
  handleMessage(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (this.#ended) throw new Error('SSE stream closed');
    this.onmessage?.(message, extra);
  }

  /**
   * Server-initiated close (shutdown, session ended): announce a reconnect delay with `retry:` so
   * the client's EventSource comes back (to this or another instance), then end the response.
   * Idempotent. A peer that does not take the final bytes within one heartbeat is cut off.
   * @see SECURITY.md J3, L2
   */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#endWithRetry();
    this.#finish('server');
  }

  /** Ends the response after a `retry:` line (with the SSE headers, if it never started). */
  #endWithRetry(): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
    res.end(`retry: ${this.#options.retryMs}\n\n`);
    const cut = setTimeout(() => res.destroy(), this.#options.heartbeatMs);
    cut.unref();
    res.once('close', () => clearTimeout(cut));
  }

  /** TCP keep-alive probes notice a peer that vanished without a FIN (laptop lid, NAT timeout). */
  #keepSocketAlive(): void {
    this.#res.socket?.setKeepAlive(true, this.#options.heartbeatMs);
  }

  /**
   * Writes a chunk unless the reader has fallen too far behind. The write buffer is checked after
   * each write because that is the only place it grows; past the bound the stream is cut rather
   * than letting a stalled client pin server memory. @see SECURITY.md J5
   */
  #write(chunk: string): boolean {
    if (this.#ended) return false;
    this.#res.write(chunk);
    const buffered = this.#res.writableLength;
    if (buffered <= this.#options.maxBufferBytes) return true;
    this.#options.logger.warn('sse.slow_reader', { bufferedBytes: buffered, maxBufferBytes: this.#options.maxBufferBytes });
    this.#res.destroy();
    this.#finish('slow_reader');
    return false;
  }

  #finish(reason: SseCloseReason): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    try {
      this.onclose?.();
    } finally {
      this.#settle(reason);
    }
  }
}
