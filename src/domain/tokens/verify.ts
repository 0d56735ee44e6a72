import type { Principal } from '../principal.js';
import { ACCESS_TOKEN_PREFIX } from './token.js';
import type { TokenServiceDeps } from './token-service.js';

/** Far above a real token (prefix + 43 characters); anything longer is not ours and is not hashed. */
const MAX_TOKEN_LENGTH = 512;

/**
 * Resolves a bearer token to its principal: a live access token of this server (not expired, grant
 * not revoked) whose audience is the canonical resource. Anything else — unknown, expired,
 * revoked, truncated, another server's JWT, an upstream token — is `undefined`; the prefix check
 * rejects foreign tokens without a storage lookup. A storage outage rejects with
 * `storage_unavailable` (the gate answers 503, SECURITY.md L4).
 * @see RFC 6750 §3.1, RFC 8707 §2, SECURITY.md H1–H3, E6
 */
export async function verifyAccessToken(deps: TokenServiceDeps, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX) || token.length > MAX_TOKEN_LENGTH) return undefined;
  const now = deps.clock.now();
  const found = await deps.grants.findAccessToken(deps.hasher.hash(token), now);
  if (found === undefined || found.expiresAt <= now || found.resource !== deps.policy.canonicalResource) return undefined;
  return { subject: found.subject, clientId: found.clientId, grantId: found.grantId, scopes: found.scopes };
}
