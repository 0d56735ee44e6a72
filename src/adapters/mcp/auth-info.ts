import type { AuthInfo } from '@modelcontextprotocol/server';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';

/**
 * The SDK carries the caller's identity to handlers as `AuthInfo`; Keyway puts its verified
 * principal in `extra.principal` and never a raw credential in `token`.
 */
export function toAuthInfo(principal: Principal): AuthInfo {
  return {
    token: '',
    clientId: principal.clientId ?? principal.subject,
    scopes: [...principal.scopes],
    extra: { principal },
  };
}

/** The principal an `AuthInfo` carries, or the anonymous principal. */
export function principalOf(authInfo: AuthInfo | undefined): Principal {
  const candidate = authInfo?.extra?.['principal'] as Principal | undefined;
  return candidate !== undefined && typeof candidate.subject === 'string' ? candidate : ANONYMOUS;
}
