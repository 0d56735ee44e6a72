import type { Principal } from '../../principal.js';
import type { Profile, ProfileSource } from '../../ports/profile.js';
import type { UpstreamTokens } from '../../ports/upstream.js';
import { STANDARD_CLAIMS } from '../../identity/standard-claims.js';

/** Profile sources that need no provider API: the local sign-in, and OpenID Connect claims. */

const LOCAL_PREFIX = 'local:';
const OIDC_PREFIX = 'oidc:';

/** The local development sign-in knows only the name the person typed, kept in the subject. */
export function createLocalProfileSource(): ProfileSource {
  return {
    providerName: 'the local sign-in',
    profileFor: async (principal) => {
      const name = principal.subject.startsWith(LOCAL_PREFIX) ? principal.subject.slice(LOCAL_PREFIX.length) : (principal.name ?? principal.subject);
      return { ok: true, value: { provider: 'local', subject: principal.subject, name } };
    },
  };
}


/** `oidc:<issuer>#<sub>`: an issuer URL has no fragment, so the first `#` ends it. @see OpenID Connect Discovery 1.0 §3 */
function issuerOf(subject: string): string | undefined {
  if (!subject.startsWith(OIDC_PREFIX)) return undefined;
  const hash = subject.indexOf('#');
  return hash < 0 ? undefined : subject.slice(OIDC_PREFIX.length, hash);
}

function standardClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(STANDARD_CLAIMS.filter((claim) => claims[claim] !== undefined && claims[claim] !== null).map((claim) => [claim, claims[claim]]));
}

function claimsProfile(principal: Principal, claims: Readonly<Record<string, unknown>> | undefined): Profile {
  const issuer = issuerOf(principal.subject);
  const fallback = principal.name === undefined ? {} : { name: principal.name };
  return {
    provider: 'oidc',
    subject: principal.subject,
    ...(issuer === undefined ? {} : { issuer }),
    ...(claims === undefined ? fallback : standardClaims(claims)),
  };
}

/** An OpenID Connect user's profile: the standard claims the OIDC adapter kept from the ID token. */
export function createClaimsProfileSource(upstream: UpstreamTokens): ProfileSource {
  return {
    providerName: 'the OpenID Connect provider',
    profileFor: async (principal) => {
      const claims = principal.grantId === undefined ? undefined : await upstream.claimsFor(principal.grantId);
      return { ok: true, value: claimsProfile(principal, claims) };
    },
  };
}
