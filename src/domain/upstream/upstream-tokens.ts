import { DomainError, isDomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Sealer } from '../ports/crypto.js';
import type { Logger } from '../ports/logger.js';
import type { GrantStore } from '../ports/stores.js';
import type { UpstreamRefresher, UpstreamTokens } from '../ports/upstream.js';
import { parseUpstreamTokens, type UpstreamTokenSet } from './token-set.js';

/**
 * The signed-in user's upstream tokens, opened from the grant and kept alive: a token that expires
 * within the skew is refreshed first, once per grant however many tool calls wait for it, and the
 * new tokens are sealed back. When the provider can no longer be reached on the user's behalf
 * (refresh refused or failed with the token already dead, the token rejected, the sealed tokens
 * unreadable), Keyway's grant is revoked: the next MCP request gets 401 and the client
 * re-authorizes, instead of every tool failing until the grant runs out.
 * @see SECURITY.md E7, L5; RFC 6749 §6
 */
export interface UpstreamTokensDeps {
  readonly grants: GrantStore;
  readonly sealer: Sealer;
  readonly clock: Clock;
  /** Absent for providers whose tokens cannot be refreshed. */
  readonly refresher?: UpstreamRefresher;
  readonly logger: Logger;
  /** Closes the MCP sessions of a revoked grant. */
  readonly onGrantRevoked?: (grantId: string) => void;
  /** Refresh this long before expiry (default 300 s), so a token never dies during a call. */
  readonly refreshSkewSeconds?: number;
}

const DEFAULT_SKEW_SECONDS = 300;
/** After a transient refresh failure, the still-valid token is used this long before asking again. */
const RETRY_AFTER_FAILURE_SECONDS = 30;

interface Context extends UpstreamTokensDeps {
  readonly skew: number;
  /** Epoch seconds of each grant's last transient refresh failure. */
  readonly failedAt: Map<string, number>;
}

type Loaded =
  | { readonly kind: 'gone' }
  | { readonly kind: 'unusable'; readonly reason: string }
  | { readonly kind: 'live'; readonly opened: string; readonly tokens: UpstreamTokenSet };

const ended = (): DomainError => new DomainError('invalid_grant', 'the sign-in with the identity provider has ended; the user must reconnect');

/** Joins a running operation for `key` instead of starting a second one. */
function singleFlight<T>(flights: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T> {
  const running = flights.get(key);
  if (running !== undefined) return running;
  const flight = run().finally(() => flights.delete(key));
  flights.set(key, flight);
  return flight;
}

function openSealed(sealer: Sealer, sealed: string): string | undefined {
  try {
    return sealer.open(sealed);
  } catch (error) {
    if (isDomainError(error) && error.code === 'sealed_invalid') return undefined;
    throw error;
  }
}

async function load(ctx: Context, grantId: string): Promise<Loaded> {
  const grant = await ctx.grants.findGrant(grantId);
  if (grant === undefined || grant.revokedAt !== undefined || grant.expiresAt <= ctx.clock.now()) return { kind: 'gone' };
  if (grant.upstreamSealed === undefined) return { kind: 'unusable', reason: 'no_upstream_tokens' };
  const opened = openSealed(ctx.sealer, grant.upstreamSealed);
  const tokens = opened === undefined ? undefined : parseUpstreamTokens(opened);
  if (opened === undefined || tokens === undefined) return { kind: 'unusable', reason: 'unreadable_upstream_tokens' };
  return { kind: 'live', opened, tokens };
}

async function revoke(ctx: Context, grantId: string, reason: string, detail: string | undefined = undefined): Promise<void> {
  ctx.failedAt.delete(grantId);
  const grant = await ctx.grants.findGrant(grantId);
  if (grant === undefined || grant.revokedAt !== undefined) return;
  await ctx.grants.revokeGrant(grantId, ctx.clock.now());
  ctx.logger.warn('upstream.grant_revoked', { grantId, subject: grant.subject, reason, ...(detail === undefined ? {} : { detail }) });
  try {
    ctx.onGrantRevoked?.(grantId);
  } catch (error) {
    ctx.logger.error('upstream.grant_revoked_listener_failed', { grantId, error: describe(error) });
  }
}

async function revokeAndEnd(ctx: Context, grantId: string, reason: string, detail?: string): Promise<never> {
  await revoke(ctx, grantId, reason, detail);
  throw ended();
}

/** What went wrong, safe to log: refreshers never put a token in an error. */
function describe(error: unknown): string {
  if (isDomainError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The provider said no for good (as opposed to failing for now). */
function isRefusal(error: unknown): boolean {
  return isDomainError(error) && (error.code === 'invalid_grant' || error.code === 'access_denied' || error.code === 'login_refused');
}

function canRefresh(ctx: Context, tokens: UpstreamTokenSet, now: number): boolean {
  if (ctx.refresher === undefined || tokens.refreshToken === undefined) return false;
  return tokens.refreshTokenExpiresAt === undefined || tokens.refreshTokenExpiresAt > now;
}

/** Calls the provider; rejects when it fails or answers something without an access token. */
async function exchange(refresher: UpstreamRefresher, opened: string): Promise<{ json: string; tokens: UpstreamTokenSet }> {
  const json = await refresher.refresh(opened);
  const tokens = parseUpstreamTokens(json);
  if (tokens === undefined) throw new DomainError('upstream_failed', 'the refreshed upstream tokens carry no access token');
  return { json, tokens };
}

/**
 * A transient failure while the current token still works keeps that token (an outage at the
 * provider should not sign everyone out) and waits before trying again; a refusal, or any failure
 * once the token is dead, revokes the grant.
 */
async function afterFailedRefresh(ctx: Context, grantId: string, error: unknown, current: UpstreamTokenSet, now: number): Promise<string> {
  const usable = current.expiresAt === undefined || current.expiresAt > now;
  if (usable && !isRefusal(error)) {
    ctx.failedAt.set(grantId, now);
    ctx.logger.warn('upstream.refresh_failed', { grantId, error: describe(error), keptCurrentToken: true });
    return current.accessToken;
  }
  return revokeAndEnd(ctx, grantId, 'refresh_failed', describe(error));
}

async function renew(ctx: Context, grantId: string, live: Extract<Loaded, { kind: 'live' }>, now: number): Promise<string> {
  const { tokens } = live;
  const usable = tokens.expiresAt === undefined || tokens.expiresAt > now;
  if (ctx.refresher === undefined || !canRefresh(ctx, tokens, now)) {
    return usable ? tokens.accessToken : revokeAndEnd(ctx, grantId, 'expired');
  }
  const lastFailure = ctx.failedAt.get(grantId);
  if (usable && lastFailure !== undefined && now - lastFailure < RETRY_AFTER_FAILURE_SECONDS) return tokens.accessToken;
  let next: { json: string; tokens: UpstreamTokenSet };
  try {
    next = await exchange(ctx.refresher, live.opened);
  } catch (error) {
    return afterFailedRefresh(ctx, grantId, error, tokens, now);
  }
  await ctx.grants.updateUpstream(grantId, ctx.sealer.seal(next.json));
  ctx.failedAt.delete(grantId);
  ctx.logger.info('upstream.refreshed', { grantId, expiresAt: next.tokens.expiresAt });
  return next.tokens.accessToken;
}

async function currentToken(ctx: Context, grantId: string): Promise<string> {
  const loaded = await load(ctx, grantId);
  if (loaded.kind === 'gone') throw ended();
  if (loaded.kind === 'unusable') return revokeAndEnd(ctx, grantId, loaded.reason);
  const now = ctx.clock.now();
  const { expiresAt } = loaded.tokens;
  if (expiresAt === undefined || expiresAt - ctx.skew > now) return loaded.tokens.accessToken;
  return renew(ctx, grantId, loaded, now);
}

/**
 * A rejected token revokes the grant only while it is still the grant's token: a call that started
 * before a refresh may see the old token refused, and that says nothing about the new one.
 */
async function rejected(ctx: Context, grantId: string, token: string | undefined): Promise<void> {
  if (token !== undefined) {
    const loaded = await load(ctx, grantId);
    if (loaded.kind === 'live' && loaded.tokens.accessToken !== token) return;
  }
  await revoke(ctx, grantId, 'rejected_by_provider');
}

export function createUpstreamTokens(deps: UpstreamTokensDeps): UpstreamTokens {
  const ctx: Context = { ...deps, skew: deps.refreshSkewSeconds ?? DEFAULT_SKEW_SECONDS, failedAt: new Map() };
  const reads = new Map<string, Promise<string>>();
  const revocations = new Map<string, Promise<void>>();
  return {
    accessTokenFor: (grantId) => singleFlight(reads, grantId, () => currentToken(ctx, grantId)),
    reportRevoked: (grantId, token) => singleFlight(revocations, grantId, () => rejected(ctx, grantId, token)),
    claimsFor: async (grantId) => {
      const loaded = await load(ctx, grantId);
      return loaded.kind === 'live' ? loaded.tokens.claims : undefined;
    },
  };
}
