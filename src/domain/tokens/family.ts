import { DomainError } from '../errors.js';
import type { Grant } from '../grants/grant.js';
import type { LogFields } from '../ports/logger.js';
import type { TokenServiceDeps } from './token-service.js';

/** `invalid_grant` with a message safe to send to the client (never a token). @see RFC 6749 §5.2 */
export function invalidGrant(message: string): DomainError {
  return new DomainError('invalid_grant', message);
}

/** The grant a code or refresh token belongs to, if it is still live: not revoked, not past its absolute end. */
export async function liveGrant(deps: TokenServiceDeps, grantId: string, now: number): Promise<Grant> {
  const grant = await deps.grants.findGrant(grantId);
  if (grant === undefined || grant.revokedAt !== undefined) throw invalidGrant('the grant has been revoked');
  if (grant.expiresAt <= now) throw invalidGrant('the grant has expired');
  return grant;
}

/**
 * Revokes a whole grant — its codes, access and refresh tokens — and tells the app so it closes
 * the grant's MCP sessions. `event` names why, for the security log with client and user
 * (SECURITY.md M4; the HTTP layer's logger adds the request); `fields` never carry a credential.
 */
export async function revokeFamily(deps: TokenServiceDeps, grantId: string, event: string, fields: LogFields, level: 'info' | 'warn' = 'warn'): Promise<void> {
  const grant = await deps.grants.findGrant(grantId);
  await deps.grants.revokeGrant(grantId, deps.clock.now());
  deps.logger[level](event, { ...fields, grantId, subject: grant?.subject });
  try {
    deps.onGrantRevoked?.(grantId);
  } catch (error) {
    // The grant is revoked either way; a failing listener must not turn the answer into a 500.
    deps.logger.error('oauth.grant_revoked_listener_failed', { grantId, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Keeps a used dynamic registration from expiring; best effort, after the tokens are stored. */
export async function touchClient(deps: TokenServiceDeps, clientId: string): Promise<void> {
  try {
    await deps.clients.touch(clientId);
  } catch (error) {
    deps.logger.warn('oauth.client_touch_failed', { clientId, error: error instanceof Error ? error.message : String(error) });
  }
}
