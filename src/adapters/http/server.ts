import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../domain/ports/logger.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * Timeouts ordered for a reverse proxy: Node must keep an idle upstream connection open longer
 * than the proxy does (`keepAliveTimeoutMs` > the proxy's idle timeout, commonly 60 s), or the
 * proxy reuses a socket Node just closed and the user sees a 502; `headersTimeoutMs` must exceed
 * `keepAliveTimeoutMs`; `requestTimeoutMs` bounds how long a client may take to send a request
 * (it never cuts a long response such as an SSE stream).
 */
export interface HttpTimeouts {
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly timeouts: HttpTimeouts;
  /** How long shutdown waits for in-flight requests before cutting connections. */
  readonly shutdownGraceMs: number;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
}

export interface RunningServer {
  readonly server: Server;
  /** The bound address (the real port when started on port 0). */
  readonly address: AddressInfo;
  /**
   * Graceful stop: readiness fails at once, open streams get `retry:` and close, the listener stops
   * accepting, in-flight requests finish; whatever remains after the grace period is cut.
   * Resolves `true` when everything finished within the grace period.
   */
  stop(): Promise<boolean>;
}

export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: HttpServerOptions,
): Promise<RunningServer> {
  const server = createServer(
    {
      keepAliveTimeout: options.timeouts.keepAliveTimeoutMs,
      headersTimeout: options.timeouts.headersTimeoutMs,
      requestTimeout: options.timeouts.requestTimeoutMs,
    },
    handler,
  );
  server.on('clientError', (error, socket) => {
    options.logger.debug('http.client_error', { error: error.message });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let stopping: Promise<boolean> | undefined;
  const stop = (): Promise<boolean> => {
    stopping ??= shutdown(server, options);
    return stopping;
  };
  return { server, address, stop };
}

async function shutdown(server: Server, options: HttpServerOptions): Promise<boolean> {
  options.lifecycle.drain();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), options.shutdownGraceMs);
    timer.unref();
  });
  const clean = await Promise.race([closed.then(() => true as const), expired]);
  clearTimeout(timer);
  if (!clean) {
    options.logger.warn('http.shutdown_forced', { graceMs: options.shutdownGraceMs });
    server.closeAllConnections();
    await closed;
  }
  return clean;
}
