import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, MessageExtraInfo, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import type { Heartbeats } from './heartbeats.js';

/**
 * The server half of the legacy HTTP+SSE transport (MCP 2024-11-05): one long-lived `text/event-stream`
 * response carries every server-to-client message; the client POSTs its messages to the URL named in
 * the first `endpoint` event, and the endpoint hands them to {@link SseServerTransport.handleMessage}.
 * @see MCP 2024-11-05 basic/transports "HTTP with SSE"
 * @see WHATWG HTML §9.2 Server-sent events (event stream format)
 */
export interface SseTransportOptions {
  /**
   * The shared heartbeat: `:` comment lines at its interval keep proxies and load balancers from
   * cutting an idle stream.
   */
  readonly heartbeats: Heartbeats<SseServerTransport>;
  /** Most bytes that may wait in the socket's write buffer before the reader counts as too slow. */
  readonly maxBufferBytes: number;
  /** Reconnect delay announced with `retry:` when the server closes the stream itself. */
  readonly retryMs: number;
  readonly logger: Logger;
  /** Called once when the stream is over, whoever ended it, after `onclose` ran. */
  readonly onEnd?: (transport: SseServerTransport, reason: SseCloseReason) => void;
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

const KEEPALIVE = ': keepalive\n\n';

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

/** Where a stream is in its life; one field rather than several flags keeps each idle stream small. */
type Phase = 'new' | 'open' | 'ended';

/**
 * The server side of one legacy SSE stream, on the SDK's `Transport` interface (the SDK requires a
 * class). The stream opens with {@link open} before any MCP server exists; a server connects later
 * (its `start()` writes nothing), so an idle stream holds only this object and its socket.
 */
export class SseServerTransport implements Transport {
  readonly sessionId: string;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;

  readonly #res: ServerResponse;
  readonly #options: SseTransportOptions;
  #phase: Phase = 'new';
  #connected = false;
  #reason: SseCloseReason | undefined;
  #waiters: Array<(reason: SseCloseReason) => void> | undefined;

  /** `options` is meant to be shared by every stream of an endpoint. */
  constructor(res: ServerResponse, sessionId: string, options: SseTransportOptions) {
    this.#res = res;
    this.#options = options;
    this.sessionId = sessionId;
  }

  /** True once the stream has ended; later sends fail. */
  get isClosed(): boolean {
    return this.#phase === 'ended';
  }

  /** Settles once the stream is over, whoever ended it, after `onclose` ran. */
  get closed(): Promise<SseCloseReason> {
    if (this.#reason !== undefined) return Promise.resolve(this.#reason);
    return new Promise((resolve) => {
      (this.#waiters ??= []).push(resolve);
    });
  }

  /**
   * Sends the headers and the `endpoint` event at once: a client (Claude.ai among them) that sees
   * no first byte soon reports the connector as broken. A no-op once closed. @see SECURITY.md J1
   */
  open(): void {
    if (this.#phase !== 'new') return;
    const res = this.#res;
    if (res.destroyed) {
      this.#finish('client');
      return;
    }
    this.#phase = 'open';
    // Every server-side ending runs #finish first, so a `close` reaching here is the client leaving.
    // `on`, not `once`: #finish is idempotent, and `once` would add a wrapper per stream.
    res.on('close', () => this.#finish('client'));
    // TCP keep-alive probes notice a peer that vanished without a FIN (laptop lid, NAT timeout).
    res.socket?.setKeepAlive(true, this.#options.heartbeats.intervalMs);
    // Node sends the headers with the first chunk: headers and the endpoint event leave in one write.
    res.writeHead(200, SSE_HEADERS);
    this.#write(sseEvent('endpoint', messagesPath(this.sessionId)));
    if (this.#phase === 'open') this.#options.heartbeats.add(this);
  }

  /** Called by the SDK when a server connects; the stream itself was opened by {@link open}. */
  async start(): Promise<void> {
    if (this.#connected) throw new Error('SseServerTransport already started');
    this.#connected = true;
  }

  /** One `:` comment line, from the shared heartbeat. */
  heartbeat(): void {
    this.#write(KEEPALIVE);
  }

  /**
   * Writes one message as an `event: message`. 2024-11-05 has a single stream, so responses,
   * progress and server-to-client requests of every call go out here (`relatedRequestId` has
   * nowhere else to route to).
   */
  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    if (this.#phase === 'ended') throw new Error('SSE stream closed');
    if (!this.#write(sseEvent('message', JSON.stringify(message)))) {
      throw new Error('SSE stream closed: the client is not reading');
    }
  }

  /** Hands a message the client POSTed to the server; `extra.authInfo` carries who sent it. */
  handleMessage(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (this.#phase === 'ended') throw new Error('SSE stream closed');
    this.onmessage?.(message, extra);
  }

  /**
   * Server-initiated close (shutdown, session ended): announce a reconnect delay with `retry:` so
   * the client's EventSource comes back (to this or another instance), then end the response.
   * Idempotent. A peer that does not take the final bytes within one heartbeat is cut off.
   * @see SECURITY.md J3, L2
   */
  async close(): Promise<void> {
    if (this.#phase === 'ended') return;
    this.#endWithRetry();
    this.#finish('server');
  }

  /** Ends the response after a `retry:` line (with the SSE headers, if it never opened). */
  #endWithRetry(): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
    res.end(`retry: ${this.#options.retryMs}\n\n`);
    const cut = setTimeout(() => res.destroy(), this.#options.heartbeats.intervalMs);
    cut.unref();
    res.once('close', () => clearTimeout(cut));
  }

  /**
   * Writes a chunk unless the reader has fallen too far behind. The write buffer is checked after
   * each write because that is the only place it grows; past the bound the stream is cut rather
   * than letting a stalled client pin server memory. @see SECURITY.md J5
   */
  #write(chunk: string): boolean {
    if (this.#phase === 'ended') return false;
    this.#res.write(chunk);
    const buffered = this.#res.writableLength;
    if (buffered <= this.#options.maxBufferBytes) return true;
    this.#options.logger.warn('sse.slow_reader', { session: this.sessionId.slice(0, 8), bufferedBytes: buffered, maxBufferBytes: this.#options.maxBufferBytes });
    this.#res.destroy();
    this.#finish('slow_reader');
    return false;
  }

  #finish(reason: SseCloseReason): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#options.heartbeats.delete(this);
    try {
      this.onclose?.();
    } finally {
      this.#reason = reason;
      for (const resolve of this.#waiters ?? []) resolve(reason);
      this.#waiters = undefined;
      this.#options.onEnd?.(this, reason);
    }
  }
}
