import { STANDARD_CLAIMS } from '../../../domain/identity/standard-claims.js';

/**
 * Pure rules over the signed-in user's claims (the validated ID token, merged with userinfo when it
 * is used): who the user is, what to call them, and whether they may sign in here.
 */
export type Claims = Readonly<Record<string, unknown>>;

/** Who may sign in; both rules apply when both are set. */
export interface OidcAllowlist {
  /** Domains (exact, case-insensitive) of a *verified* `email` claim. */
  readonly allowedEmailDomains?: readonly string[];
  /** A claim that must equal `value` (or, for an array claim, contain it). */
  readonly requiredClaim?: { readonly name: string; readonly value: string };
}

/**
 * `oidc:<iss>#<sub>`: `sub` is unique and never reassigned only within its issuer, and the issuer
 * URL carries no `#`, so the pair is unambiguous. Never the e-mail, which users change.
 * @see OpenID Connect Core 1.0 §5.7; SECURITY.md E5
 */
export function subjectOf(iss: string, sub: string): string {
  return `oidc:${iss}#${sub}`;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : undefined);

/** `name`, else `preferred_username`, else `email`: for display only, never an identifier. */
export function displayName(claims: Claims): string | undefined {
  return text(claims.name) ?? text(claims.preferred_username) ?? text(claims.email);
}

/**
 * The claims kept with the upstream tokens for the user's profile: `sub` (so a refreshed ID token
 * can be matched to the same user) and the standard profile claims, size-bounded. No custom claims.
 * @see OpenID Connect Core 1.0 §5.1
 */
const PROFILE_CLAIMS = ['sub', ...STANDARD_CLAIMS] as const;

const MAX_CLAIM_LENGTH = 2048;

function keepable(value: unknown): boolean {
  if (typeof value === 'string') return value.length <= MAX_CLAIM_LENGTH;
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  // `address` is the one standard claim that is an object (of strings). @see OpenID Connect Core 1.0 §5.1.1
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((part) => typeof part === 'string' && part.length <= MAX_CLAIM_LENGTH);
}

export function profileClaimsOf(claims: Claims): Record<string, unknown> {
  return Object.fromEntries(PROFILE_CLAIMS.filter((name) => keepable(claims[name])).map((name) => [name, claims[name]]));
}

function emailRefusal(claims: Claims, domains: readonly string[]): string | undefined {
  const email = text(claims.email);
  if (email === undefined) return 'the provider shared no e-mail address, and sign-in is limited to some e-mail domains';
  // A string "true" is not a verified address. @see OpenID Connect Core 1.0 §5.1 (email_verified is a boolean)
  if (claims.email_verified !== true) return `the e-mail address ${email} is not verified at the provider`;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  if (!domains.some((allowed) => allowed.toLowerCase() === domain)) return `accounts at ${domain} may not sign in here`;
  return undefined;
}

function claimMatches(value: unknown, expected: string): boolean {
  if (Array.isArray(value)) return value.some((item) => claimMatches(item, expected));
  return (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && String(value) === expected;
}

/** Why these claims may not sign in, in words fit for the user; `undefined` when they may. */
export function refusalOf(claims: Claims, allow: OidcAllowlist): string | undefined {
  if (allow.allowedEmailDomains !== undefined && allow.allowedEmailDomains.length > 0) {
    const refused = emailRefusal(claims, allow.allowedEmailDomains);
    if (refused !== undefined) return refused;
  }
  const required = allow.requiredClaim;
  if (required !== undefined && !claimMatches(claims[required.name], required.value)) {
    return `the account's "${required.name}" claim does not include "${required.value}"`;
  }
  return undefined;
}
