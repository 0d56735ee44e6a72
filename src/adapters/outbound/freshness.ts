import type { IncomingHttpHeaders } from 'node:http';

/** Bounds on how long a fetched document is reused, whatever its headers say. */
export interface FreshnessBounds {
  /** A positive lifetime shorter than this is raised to it, so a document cannot make us re-fetch every request. */
  readonly floorSeconds: number;
  /** No lifetime is longer than this, so a changed document is picked up within a day. */
  readonly ceilingSeconds: number;
  /** Lifetime when the response says nothing about caching. */
  readonly defaultSeconds: number;
}

export const DEFAULT_FRESHNESS: FreshnessBounds = Object.freeze({ floorSeconds: 30, ceilingSeconds: 86_400, defaultSeconds: 300 });

const DELTA_SECONDS = /^\d+$/;

function directives(header: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', value = ''] = part.split('=', 2).map((piece) => piece.trim());
    const key = name.toLowerCase();
    if (key !== '' && !found.has(key)) found.set(key, value.replace(/^"(.*)"$/, '$1'));
  }
  return found;
}

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}

/**
 * The response's own freshness lifetime: `max-age` first, else `Expires` minus `Date` (or minus
 * now without a `Date`). A malformed `max-age` or `Expires` means already stale.
 * @see RFC 9111 §4.2.1, §5.3
 */
function lifetime(headers: IncomingHttpHeaders, cacheControl: Map<string, string>, now: number): number | undefined {
  const maxAge = cacheControl.get('max-age');
  if (maxAge !== undefined) return DELTA_SECONDS.test(maxAge) ? Number(maxAge) : 0;
  if (headers.expires === undefined) return undefined;
  const expires = httpDate(headers.expires);
  return expires === undefined ? 0 : expires - (httpDate(headers.date) ?? now);
}

/**
 * Seconds the response may be reused from now; 0 means not at all (`no-store`, `no-cache`,
 * `max-age=0`, expired). Keyway is the only reader of what it caches, so it acts as a private
 * cache: `private` is allowed and `s-maxage` ignored. `Age` is subtracted (RFC 9111 §4.2.3).
 */
export function freshnessSeconds(headers: IncomingHttpHeaders, now: number, bounds: FreshnessBounds = DEFAULT_FRESHNESS): number {
  const cacheControl = directives(headers['cache-control']);
  if (cacheControl.has('no-store') || cacheControl.has('no-cache')) return 0;
  const own = lifetime(headers, cacheControl, now);
  if (own === undefined) return bounds.defaultSeconds;
  const age = DELTA_SECONDS.test(headers.age ?? '') ? Number(headers.age) : 0;
  const remaining = own - age;
  if (remaining <= 0) return 0;
  return Math.min(bounds.ceilingSeconds, Math.max(bounds.floorSeconds, remaining));
}
