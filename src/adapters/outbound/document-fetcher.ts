import { lookup } from 'node:dns/promises';
import { DomainError } from '../../domain/errors.js';
import type { Clock } from '../../domain/ports/clock.js';
import type { DocumentFetcher, FetchedDocument } from '../../domain/ports/fetcher.js';
import type { Logger } from '../../domain/ports/logger.js';
import { isPublicAddress, normalizeAddress, type VettedAddress } from './address-policy.js';
import { freshnessSeconds } from './freshness.js';
import { createLru } from './lru.js';
import { pinnedGet, type RawResponse } from './pinned-get.js';

export interface DocumentFetcherOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whole exchange, DNS included. Default 5 s, well inside the 10 s clients wait (CLIENTS.md 1.6). */
  readonly timeoutMs?: number;
  /** Default 64 KiB; reading stops past it. */
  readonly maxBytes?: number;
  /** Documents kept (least recently used dropped first). Default 256. */
  readonly cacheEntries?: number;
  /** Resolves a host name to addresses; default: the system resolver, every address. */
  readonly resolve?: (host: string) => Promise<string[]>;
  /** Skips only the public-address check, so tests can reach a loopback server. Never in production. */
  readonly allowPrivateForTests?: boolean;
  /** A PEM CA that replaces the system roots. Tests only. */
  readonly caForTests?: string;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

async function systemResolve(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

function failure(message: string): DomainError {
  return new DomainError('fetch_failed', message);
}

/**
 * URL rules for the fetch itself (the CIMD policy in the domain checks the rest): https only, no
 * user info. Any port is allowed, as the CIMD draft allows one; what protects internal services is
 * the address check, which applies whatever the port.
 * @see draft-ietf-oauth-client-id-metadata-document §3
 */
function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw failure('the client metadata URL is not a valid URL');
  }
  if (url.protocol !== 'https:') throw failure('the client metadata URL must use https');
  if (url.username !== '' || url.password !== '') throw failure('the client metadata URL must not carry user info');
  return url;
}

/** Rejects `promise` when `signal` aborts first (DNS lookups take no signal). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(failure('fetching the client metadata document timed out'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function parseJsonObject(response: RawResponse): unknown {
  const type = (response.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!JSON_TYPE.test(type)) throw failure('the client metadata document is not served as application/json');
  const encoding = response.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw failure('the client metadata document must not be compressed');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
  } catch {
    throw failure('the client metadata document is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw failure('the client metadata document is not a JSON object');
  return deepFreeze(json);
}

/** Cached documents are shared between callers; freezing keeps one caller from changing another's. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

interface Settings {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly resolve: (host: string) => Promise<string[]>;
  readonly allowPrivate: boolean;
  readonly ca: string | undefined;
}

async function addressesOf(host: string, settings: Settings, signal: AbortSignal): Promise<string[]> {
  if (normalizeAddress(host) !== undefined) return [host];
  try {
    return await untilAborted(settings.resolve(host), signal);
  } catch (error) {
    throw error instanceof DomainError ? error : failure('the client metadata host could not be resolved');
  }
}

/** Resolves once and refuses the host if ANY address is not public; returns the one to pin. */
async function vet(url: URL, settings: Settings, signal: AbortSignal): Promise<VettedAddress> {
  const answers = await addressesOf(url.hostname.replace(/^\[(.*)\]$/, '$1'), settings, signal);
  const addresses = answers.map((answer) => normalizeAddress(answer));
  const first = addresses[0];
  if (first === undefined) throw failure('the client metadata host could not be resolved');
  const refused = addresses.some((address) => address === undefined || !isPublicAddress(address));
  if (refused && !settings.allowPrivate) {
    settings.logger.warn('cimd.address_refused', { url: url.href, addresses: answers });
    throw failure('the client metadata host is not on the public internet');
  }
  return first;
}

async function download(url: URL, settings: Settings): Promise<FetchedDocument> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  const pinned = await vet(url, settings, signal);
  const response = await pinnedGet({ url, pinned, maxBytes: settings.maxBytes, signal, ...(settings.ca === undefined ? {} : { ca: settings.ca }) });
  if (response.status >= 300 && response.status < 400) throw failure('the client metadata URL redirects; redirects are not followed');
  if (response.status !== 200) throw failure(`the client metadata URL answered HTTP ${response.status}`);
  const json = parseJsonObject(response);
  const now = settings.clock.now();
  return { json, freshUntil: now + freshnessSeconds(response.headers, now) };
}

/**
 * Fetches Client ID Metadata Documents through an SSRF guard:
 * - https only, no user info; redirects are refused, never followed (the draft says MUST NOT);
 * - the host is resolved once and refused if ANY address is not public (address-policy.ts);
 *   the connection is pinned to a vetted address, so DNS rebinding between check and connect is
 *   impossible, while SNI, certificate check and `Host` use the original name;
 * - one deadline for DNS, connect, TLS and body; a byte cap; 200 with a JSON content type and a
 *   JSON object body, or it failed;
 * - a bounded LRU cache honouring `Cache-Control`/`Expires` within floor and ceiling bounds, and
 *   concurrent fetches of one URL share a single request (Claude registers twice a second apart).
 * Every failure is `DomainError('fetch_failed')` with a message fit to show; details go to the log.
 * @see draft-ietf-oauth-client-id-metadata-document, SECURITY.md N1, CLIENTS.md 1.4
 */
export function createDocumentFetcher(options: DocumentFetcherOptions): DocumentFetcher {
  const settings: Settings = {
    clock: options.clock,
    logger: options.logger,
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 64 * 1024,
    resolve: options.resolve ?? systemResolve,
    allowPrivate: options.allowPrivateForTests === true,
    ca: options.caForTests,
  };
  const { clock, logger } = settings;
  const cache = createLru<FetchedDocument>(options.cacheEntries ?? 256);
  const inflight = new Map<string, Promise<FetchedDocument>>();

  const start = (url: URL): Promise<FetchedDocument> => {
    const key = url.href;
    const pending = download(url, settings)
      .then((document) => {
        if (document.freshUntil > clock.now()) cache.set(key, document);
        else cache.delete(key);
        logger.info('cimd.fetched', { url: key, freshSeconds: document.freshUntil - clock.now() });
        return document;
      })
      .catch((error: unknown) => {
        logger.warn('cimd.fetch_failed', { url: key, reason: error instanceof Error ? error.message : String(error) });
        throw error instanceof DomainError ? error : failure('the client metadata document could not be fetched');
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, pending);
    return pending;
  };

  return {
    async fetchJson(raw) {
      const url = parseTarget(raw);
      const cached = cache.get(url.href);
      if (cached !== undefined && clock.now() < cached.freshUntil) return cached;
      return inflight.get(url.href) ?? start(url);
    },
  };
}
