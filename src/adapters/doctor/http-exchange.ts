import { request as httpRequest, type IncomingHttpHeaders, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { ProbeRequest, ProbeResponse } from '../../domain/ports/probe.js';

/**
 * One HTTP exchange for the doctor over node:http(s): no redirects followed, no keep-alive pool,
 * no default headers beyond `Host` (and `Content-Length` for a body), the body cut at a limit, and
 * the whole exchange bounded by `timeoutMs`.
 */
export interface ExchangeOptions {
  /** Extra trusted CA (PEM) besides the public roots: a private CA in front of a test server. */
  readonly caPem?: string;
  readonly maxBodyBytes: number;
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * Starts `request`; the caller owns the returned request (and must end or destroy it). Throws on a
 * URL it will not open: called inside a `new Promise` executor, that throw is the rejection.
 */
export function open(request: ProbeRequest, options: ExchangeOptions): ClientRequest {
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`refusing ${url.protocol} URL ${request.url}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const common = {
    method: request.method,
    host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...request.headers, ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }) },
    agent: false as const,
  };
  if (url.protocol === 'http:') return httpRequest(common);
  return httpsRequest({
    ...common,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(options.caPem === undefined ? {} : { ca: [...rootCertificates, options.caPem] }),
  });
}

const timeoutError = (request: ProbeRequest): Error => new Error(`no complete answer from ${request.method} ${request.url} within ${request.timeoutMs} ms`);

export function exchange(request: ProbeRequest, options: ExchangeOptions, nowMs: () => number): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const outgoing = open(request, options);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      outgoing.destroy(timeoutError(request));
    }, request.timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${request.method} ${request.url}: ${error.message}`));
    });
    outgoing.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= options.maxBodyBytes) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= options.maxBodyBytes) response.destroy();
      });
      // A body cut by the timeout is no answer; one cut at the size limit is.
      response.on('error', () => undefined);
      const finish = (): void => {
        clearTimeout(timer);
        if (timedOut) reject(timeoutError(request));
        else resolve({ status: response.statusCode ?? 0, headers: flattenHeaders(response.headers), body: Buffer.concat(chunks).subarray(0, options.maxBodyBytes).toString('utf8'), ms: Math.round(nowMs() - started) });
      };
      response.on('end', finish);
      response.on('close', finish);
    });
    outgoing.end(request.body);
  });
}
