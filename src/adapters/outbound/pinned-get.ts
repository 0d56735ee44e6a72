import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { DomainError } from '../../domain/errors.js';
import type { VettedAddress } from './address-policy.js';

export interface PinnedGetOptions {
  readonly url: URL;
  /** The only address the connection may go to (already vetted). */
  readonly pinned: VettedAddress;
  readonly maxBytes: number;
  /** Aborts the whole exchange (the caller's deadline). */
  readonly signal: AbortSignal;
  /** Replaces the system roots; tests only. */
  readonly ca?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const USER_AGENT = 'Keyway (client metadata fetcher)';

/**
 * A `lookup` that answers every query with the vetted address. Node calls it instead of DNS, so
 * the socket goes where the guard looked and a second, rebinding answer can never be used.
 * With `autoSelectFamily` Node asks for `all` addresses and wants an array back.
 */
function pinnedLookup(pinned: VettedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}

function failure(message: string): DomainError {
  return new DomainError('fetch_failed', message);
}

/** Reads the body, refusing a declared or streamed size over `maxBytes` without reading further. */
async function collect(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => failure(`the client metadata document is larger than ${maxBytes} bytes`);
  if (Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function networkFailure(error: unknown, signal: AbortSignal): DomainError {
  if (error instanceof DomainError) return error;
  if (signal.aborted) return failure('fetching the client metadata document timed out');
  // OpenSSL verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED …) and Node's ERR_TLS_*.
  if (/CERT|TLS|VERIFY|SIGNATURE|ISSUER/.test((error as NodeJS.ErrnoException).code ?? '')) {
    return failure('the client metadata host presented a certificate that is not trusted for its name');
  }
  return failure('the client metadata host could not be reached');
}

/**
 * One HTTPS GET to `url`, connected to `pinned`. TLS still verifies the certificate against the
 * URL's host name (sent as SNI), and `Host` is the URL's host, so the pinning is invisible to the
 * server. A fresh agent per request: a pooled socket pinned for one host is never reused.
 * Redirects are returned as they are, never followed.
 */
export function pinnedGet(options: PinnedGetOptions): Promise<RawResponse> {
  const { url, pinned, maxBytes, signal } = options;
  const literal = url.hostname.startsWith('[') || /^[\d.]+$/.test(url.hostname);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: literal ? pinned.address : url.hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { Host: url.host, Accept: 'application/json', 'User-Agent': USER_AGENT },
        lookup: pinnedLookup(pinned),
        agent: false,
        signal,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (res) => {
        collect(res, maxBytes).then(
          (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
          (error: unknown) => reject(networkFailure(error, signal)),
        );
      },
    );
    req.on('error', (error) => reject(networkFailure(error, signal)));
    req.end();
  });
}
