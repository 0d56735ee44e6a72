import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Probe } from '../../domain/ports/probe.js';
import { exchange } from './http-exchange.js';
import { handshake, resolveHost } from './network.js';
import { openSse } from './sse-session.js';
import { watchStream } from './stream-watch.js';

export interface NodeProbeOptions {
  /** A private CA (PEM) to trust besides the public roots (`--ca-file`). */
  readonly caPem?: string;
  /** Largest body kept from one answer. Default 256 KiB. */
  readonly maxBodyBytes?: number;
}

/** The doctor's {@link Probe} over node:dns, node:tls and node:http(s). */
export function createNodeProbe(options: NodeProbeOptions = {}): Probe {
  const exchangeOptions = { maxBodyBytes: options.maxBodyBytes ?? 256 * 1024, ...(options.caPem === undefined ? {} : { caPem: options.caPem }) };
  const nowMs = (): number => performance.now();
  return {
    resolve: resolveHost,
    handshake: (host, port, timeoutMs) => handshake(host, port, timeoutMs, options.caPem),
    exchange: (request) => exchange(request, exchangeOptions, nowMs),
    watchStream: (request, watch) => watchStream(request, watch, exchangeOptions, nowMs),
    openSse: (request) => openSse(request, exchangeOptions, nowMs),
    nowMs,
    randomToken: () => randomBytes(32).toString('base64url'),
    s256: (verifier) => createHash('sha256').update(verifier).digest('base64url'),
  };
}
