import { isDomainError } from '../../domain/errors.js';
import type { GithubCall } from '../../domain/ports/github.js';
import type { Logger } from '../../domain/ports/logger.js';
import type { UpstreamFailure, UpstreamResult, UpstreamTokens } from '../../domain/ports/upstream.js';
import { failureOf } from './failures.js';

/**
 * One GET against GitHub's REST API with the caller's own upstream token: bounded in time and
 * size, and every way it can fail turned into an {@link UpstreamFailure}. A 401 means GitHub no
 * longer accepts the token (revoked by the user, or expired): the grant is reported, so Keyway
 * revokes it and the client re-authorizes.
 * @see https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api
 */
export interface GithubRestOptions {
  /** `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  readonly apiBaseUrl: string;
  readonly upstream: UpstreamTokens;
  readonly fetch?: typeof fetch;
  /** Time allowed for one request, answer included. */
  readonly timeoutMs: number;
  readonly logger?: Logger;
  /** Longest answer read (default 8 MiB); 100 repositories with every field is well under 1 MiB. */
  readonly maxResponseBytes?: number;
}

export interface RestAnswer {
  readonly json: unknown;
  readonly headers: Headers;
}

export type RestQuery = Readonly<Record<string, string | number | undefined>>;

/** What the path names, for a "not found" message (`repository octocat/hello`). */
export type RestGet = (call: GithubCall, path: string, query?: RestQuery, subject?: string) => Promise<UpstreamResult<RestAnswer>>;

/** @see https://docs.github.com/en/rest/about-the-rest-api/api-versions */
const API_VERSION = '2022-11-28';
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

const fail = (failure: UpstreamFailure): UpstreamResult<never> => ({ ok: false, failure });

async function tokenFor(upstream: UpstreamTokens, grantId: string): Promise<UpstreamResult<string>> {
  try {
    return { ok: true, value: await upstream.accessTokenFor(grantId) };
  } catch (error) {
    if (isDomainError(error) && error.code === 'invalid_grant') return fail({ kind: 'reconnect' });
    const storage = isDomainError(error) && error.code === 'storage_unavailable';
    return fail({ kind: 'unavailable', message: storage ? "Keyway's storage is unavailable" : 'the GitHub token could not be read' });
  }
}

/** Reads at most `max` bytes of the body; a longer answer is refused rather than buffered. */
async function readText(response: Response, max: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > max) {
    await response.body?.cancel();
    throw new Error('answer too large');
  }
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    total += read.value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new Error('answer too large');
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function buildUrl(base: string, path: string, query: RestQuery): URL {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url;
}

function transportFailure(error: unknown, call: GithubCall, timeoutMs: number): UpstreamFailure {
  if (call.signal?.aborted === true) return { kind: 'unavailable', message: 'the call was cancelled' };
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
    return { kind: 'unavailable', message: `GitHub did not answer within ${limit}` };
  }
  return { kind: 'unavailable', message: error instanceof Error && error.message === 'answer too large' ? 'GitHub answered too much' : 'GitHub could not be reached' };
}

export function createRestClient(options: GithubRestOptions): RestGet {
  const fetchImpl = options.fetch ?? fetch;
  const max = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;

  async function send(call: GithubCall, url: URL, token: string): Promise<{ response: Response; text: string } | UpstreamFailure> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]);
    try {
      const response = await fetchImpl(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': API_VERSION, 'user-agent': 'keyway' },
        signal,
      });
      return { response, text: await readText(response, max) };
    } catch (error) {
      return transportFailure(error, call, options.timeoutMs);
    }
  }

  return async (call, path, query = {}, subject) => {
    const grantId = call.principal.grantId;
    if (grantId === undefined) return fail({ kind: 'reconnect' });
    const token = await tokenFor(options.upstream, grantId);
    if (!token.ok) return token;
    const sent = await send(call, buildUrl(options.apiBaseUrl, path, query), token.value);
    if ('kind' in sent) return logged(options.logger, path, undefined, fail(sent));
    const { response, text } = sent;
    if (response.ok) {
      const json = parseJson(text);
      return json === undefined ? fail({ kind: 'unavailable', message: 'GitHub answered something that is not JSON' }) : { ok: true, value: { json, headers: response.headers } };
    }
    if (response.status === 401) {
      await report(options, grantId, token.value);
      return logged(options.logger, path, 401, fail({ kind: 'reconnect' }));
    }
    return logged(options.logger, path, response.status, fail(failureOf(response.status, response.headers, parseJson(text), subject)));
  };
}

/** Revokes the grant whose token GitHub refused; if storage is down, the next call finds out again. */
async function report(options: GithubRestOptions, grantId: string, token: string): Promise<void> {
  try {
    await options.upstream.reportRevoked(grantId, token);
  } catch (error) {
    options.logger?.error('github.report_revoked_failed', { grantId, error: isDomainError(error) ? error.code : 'unknown' });
  }
}

/** Logs what failed (never the token, never the query string, which may carry a search). */
function logged<T>(logger: Logger | undefined, path: string, status: number | undefined, result: UpstreamResult<T>): UpstreamResult<T> {
  if (logger !== undefined && !result.ok) {
    const level = result.failure.kind === 'unavailable' ? 'warn' : 'info';
    logger[level]('github.api_failed', { path, kind: result.failure.kind, ...(status === undefined ? {} : { status }) });
  }
  return result;
}
