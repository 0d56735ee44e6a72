import { DomainError } from '../errors.js';
import type { OAuthPolicy } from '../oauth-policy.js';

/**
 * Resource indicators (RFC 8707). Clients name this server as `<origin>/mcp`, `<origin>/sse` or
 * the origin, with or without a trailing slash, and scheme and host in any case (Claude.ai once
 * added a trailing slash and looped). All of them mean this server; the canonical form
 * `<origin>/mcp` becomes the audience. Anything else — another server, another path, a fragment
 * — is `invalid_target`.
 * @see RFC 8707 §2, SECURITY.md C7, F9, H2
 */
function normalise(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.hash !== '' || value.includes('#') || url.username !== '' || url.password !== '' || url.search !== '') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** The canonical resource for a requested one (absent → canonical); throws `invalid_target`. */
export function canonicalResource(requested: string | undefined, policy: OAuthPolicy): string {
  if (requested === undefined || requested === '') return policy.canonicalResource;
  const normalised = normalise(requested);
  if (normalised !== undefined && policy.resources.includes(normalised)) return policy.canonicalResource;
  throw new DomainError('invalid_target', 'the resource is not served by this authorization server');
}
