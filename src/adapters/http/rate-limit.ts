import type { ServerResponse } from 'node:http';
import { DomainError } from '../../domain/errors.js';
import { sendOAuthError } from './oauth-errors.js';

export interface RateLimiterOptions {
  /** Sustained requests per minute per key. */
  readonly perMinute: number;
  /** Requests a quiet key may make at once; defaults to `perMinute`. */
  readonly burst?: number;
  /** Seconds (epoch or any monotonic origin; fractions allowed), e.g. `() => clock.now()`. */
  readonly clock: () => number;
  /** Keys remembered at most; the least recently used is forgotten first. Default 10 000. */
  readonly maxKeys?: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until one request would be allowed; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Spends one token of `key`'s bucket, if it has one. */
  take(key: string): RateDecision;
}

interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`rate limiter: ${name} must be a positive number`);
  return value;
}

/**
 * A token bucket per key (a client id, a user, or an IP for `/register`): `burst` tokens, refilled
 * at `perMinute / 60` per second. Keys are chosen by the caller so hosted clients that share an
 * egress address are not throttled together (SECURITY.md K6, CLIENTS.md 1.4). Memory is bounded:
 * buckets live in insertion-ordered Map re-inserted on use, so the first entry is the one idle
 * longest and is dropped when `maxKeys` is exceeded. A dropped bucket had been refilling the
 * longest, so forgetting it rarely forgives anything.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const perSecond = positive('perMinute', options.perMinute) / 60;
  const capacity = positive('burst', options.burst ?? options.perMinute);
  const maxKeys = positive('maxKeys', options.maxKeys ?? 10_000);
  const buckets = new Map<string, Bucket>();

  const remember = (key: string, bucket: Bucket): void => {
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
  };

  return {
    take(key) {
      const now = options.clock();
      const bucket = buckets.get(key);
      // A clock that steps back refills nothing rather than draining the bucket.
      const tokens = bucket === undefined ? capacity : Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perSecond);
      if (tokens >= 1) {
        remember(key, { tokens: tokens - 1, at: now });
        return { allowed: true, retryAfterSeconds: 0 };
      }
      remember(key, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
    },
  };
}

/**
 * 429 in OAuth error shape, through the one OAuth wire mapper: `{"error":"slow_down", …}` with
 * `Retry-After` and `Cache-Control: no-store`. `slow_down` is the registered OAuth error for "ask
 * less often" at the token endpoint (RFC 8628 §3.5, IANA OAuth Extensions Error registry);
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) is defined only for authorization responses and
 * means the server, not this caller, is overloaded — Keyway sends it with 503 for outages.
 * @see SECURITY.md B9, K6; RFC 6585 §4 (429), RFC 9110 §10.2.3 (Retry-After)
 */
export function sendRateLimited(res: ServerResponse, retryAfterSeconds: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  sendOAuthError(res, new DomainError('rate_limited', `Too many requests; retry in ${seconds} s`), { retryAfter: seconds });
}
