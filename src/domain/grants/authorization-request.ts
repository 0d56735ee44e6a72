import { DomainError } from '../errors.js';
import type { OAuthPolicy } from '../oauth-policy.js';
import { canonicalResource } from './resource.js';

/**
 * An authorization request's parameters once the client and the redirect URI are known-good
 * (SECURITY.md Decision 3): only from here on may an error go back to the client as a redirect.
 *
 * - `response_type` must be `code`. @see OAuth 2.1 §4.1.1
 * - PKCE is required, S256 only; a missing method means `plain` and is refused. @see RFC 7636 §4.3, SECURITY.md C6
 * - `resource` must name this server; it becomes the canonical audience. @see RFC 8707 §2, SECURITY.md C7
 * - unknown scopes are ignored, not refused (documented down-scoping, CLIENTS.md 1.5); `offline_access`
 *   is accepted and ignored (refresh tokens are always issued); nothing left → the offered scopes.
 * - `state` is kept byte for byte, within {@link MAX_STATE_BYTES}. @see RFC 6749 §4.1.1, SECURITY.md C9
 */
export interface AuthorizationParams {
  readonly responseType?: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly scope?: string;
  /** Every `resource` value sent (RFC 8707 allows several; each must name this server). */
  readonly resources: readonly string[];
  readonly state?: string;
  /** Names of parameters the request repeated (RFC 6749 §3.1: none may appear twice). */
  readonly repeated: readonly string[];
}

/** A validated request, ready for consent. */
export interface AuthorizationRequest {
  readonly clientId: string;
  /** The redirect URI the request presented, matched against the registration. */
  readonly redirectUri: string;
  readonly codeChallenge: string;
  /** The canonical resource (the audience of the tokens). */
  readonly resource: string;
  readonly scopes: readonly string[];
  /** The client's `state` exactly as sent; absent when it sent none. */
  readonly state?: string;
}

/** Largest `state` kept (UTF-8 bytes); larger is `invalid_request`, never a 500. */
export const MAX_STATE_BYTES = 2048;

/** `offline_access` asks for refresh tokens, which Keyway always issues (CLIENTS.md 1.5). */
const IGNORED_SCOPES = new Set(['offline_access']);

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters; the grammar allows 43–128. */
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

function invalidRequest(message: string): DomainError {
  return new DomainError('invalid_request', message);
}

/** UTF-8 length of `text`, counted without any platform API. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const point = char.codePointAt(0) ?? 0;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export function stateWithinBound(state: string | undefined): boolean {
  return state === undefined || utf8Length(state) <= MAX_STATE_BYTES;
}

function checkResponseType(responseType: string | undefined): void {
  if (responseType === undefined || responseType === '') throw invalidRequest('response_type is required');
  if (responseType !== 'code') throw new DomainError('unsupported_response_type', 'only response_type=code is supported');
}

/** @see RFC 7636 §4.3, §4.4.1; OAuth 2.1 §4.1.1 (S256 is the only method Keyway accepts) */
function checkPkce(challenge: string | undefined, method: string | undefined): string {
  if (challenge === undefined || challenge === '') throw invalidRequest('code_challenge is required (PKCE)');
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!CODE_CHALLENGE.test(challenge)) throw invalidRequest('code_challenge must be 43-128 base64url characters');
  return challenge;
}

/** Every requested resource must name this server; they all mean the one canonical resource. */
function resourceOf(resources: readonly string[], policy: OAuthPolicy): string {
  if (resources.length === 0) return canonicalResource(undefined, policy);
  for (const resource of resources) canonicalResource(resource, policy);
  return policy.canonicalResource;
}

/**
 * The scopes a request gets: the offered scopes it names, in the policy's order; the policy's
 * offered scopes when it names none of them (`claudeai`, `*`, `offline_access` alone, nothing).
 * @see RFC 6749 §3.3 (the server may grant fewer scopes than requested)
 */
export function grantedScopes(scope: string | undefined, policy: OAuthPolicy): readonly string[] {
  const requested = new Set((scope ?? '').split(' ').filter((token) => token !== '' && !IGNORED_SCOPES.has(token)));
  const known = policy.scopes.filter((offered) => requested.has(offered));
  return known.length > 0 ? known : [...policy.scopes];
}

/** The key a consent is remembered under: sorted, space-joined scopes. */
export function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

/**
 * Validates what is left of an authorization request once `clientId` and `redirectUri` are
 * known-good. Throws `DomainError` (`invalid_request`, `unsupported_response_type`,
 * `invalid_target`); the caller sends it to `redirectUri` with the client's `state`.
 */
export function validateAuthorizationRequest(
  clientId: string,
  redirectUri: string,
  params: AuthorizationParams,
  policy: OAuthPolicy,
): AuthorizationRequest {
  if (params.repeated.length > 0) throw invalidRequest(`parameters must not be repeated: ${params.repeated.join(', ')}`);
  if (!stateWithinBound(params.state)) throw invalidRequest(`state must be at most ${MAX_STATE_BYTES} bytes`);
  checkResponseType(params.responseType);
  const codeChallenge = checkPkce(params.codeChallenge, params.codeChallengeMethod);
  const resource = resourceOf(params.resources, policy);
  const scopes = grantedScopes(params.scope, policy);
  return { clientId, redirectUri, codeChallenge, resource, scopes, ...(params.state === undefined ? {} : { state: params.state }) };
}
