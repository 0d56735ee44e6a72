import type { Client, ClientKind } from '../clients/client.js';
import { LOOPBACK_HOSTS } from '../clients/redirect-uri.js';
import { isDomainError, type DomainErrorCode } from '../errors.js';
import type { AuthorizationParams, AuthorizationRequest } from './authorization-request.js';

/**
 * What the browser leg's use cases take and return, and the pure rules that shape their outcomes:
 * a local page (`refused`), an error for the validated redirect URI, the consent page, the upstream
 * sign-in, or the code. The HTTP adapter turns each outcome into exactly one response.
 */
/** What the browser brings, as the HTTP adapter read it. */
export interface BrowserContext {
  /** The browser's binding value (from its signed `__Host-` cookie). */
  readonly binding: string;
  /** The subject this browser last signed in as (signed cookie), if any. */
  readonly rememberedSubject?: string;
  /** `Sec-Fetch-Site: same-origin` or `none`: the user, not another site, started this navigation. */
  readonly trustedNavigation: boolean;
}

export interface AuthorizeInput {
  readonly clientId?: string;
  readonly redirectUri?: string;
  readonly params: AuthorizationParams;
  readonly browser: BrowserContext;
}

/** What the consent page shows; every string is rendered escaped. */
export interface ConsentView {
  readonly clientId: string;
  readonly clientName?: string;
  readonly clientKind: ClientKind;
  readonly redirectUri: string;
  /** Every registered redirect URI is loopback: the "client" is software on the user's machine. */
  readonly allLoopback: boolean;
  readonly scopes: readonly string[];
}

/** A local page; nothing goes to the client. */
export interface Refused {
  readonly kind: 'refused';
  readonly status: 400 | 403;
  readonly message: string;
}

/** An error sent to the validated redirect URI with the client's `state` (and `iss`, by the adapter). */
export interface RedirectError {
  readonly kind: 'redirect_error';
  readonly redirectUri: string;
  readonly error: DomainErrorCode;
  readonly description: string;
  readonly state?: string;
}

export interface ConsentNeeded {
  readonly kind: 'consent';
  readonly flowId: string;
  readonly csrfToken: string;
  readonly view: ConsentView;
}

/** Send the browser upstream; the adapter sets the state cookie to `upstreamState`. */
export interface LoginStarted {
  readonly kind: 'login';
  readonly redirectTo: string;
  readonly upstreamState: string;
}

export interface CodeIssued {
  readonly kind: 'issued';
  readonly redirectUri: string;
  readonly code: string;
  readonly state?: string;
  /** Who signed in, so the adapter can remember this browser's user. */
  readonly subject: string;
}

export type AuthorizeOutcome = Refused | RedirectError | ConsentNeeded | LoginStarted;
export type DecisionOutcome = Refused | RedirectError | LoginStarted;
export type CallbackOutcome = Refused | RedirectError | CodeIssued;

export interface DecisionInput {
  readonly flowId: string;
  readonly csrfToken: string;
  readonly binding: string;
  readonly approve: boolean;
}

export interface CallbackInput {
  /** The `state` query parameter. */
  readonly state?: string;
  /** The state the browser's state cookie carries. */
  readonly cookieState?: string;
  /** Every callback query parameter, for the provider. */
  readonly params: Readonly<Record<string, string>>;
}

export function refused(status: 400 | 403, message: string): Refused {
  return { kind: 'refused', status, message };
}

export function redirectError(request: AuthorizationRequest, error: DomainErrorCode, description: string): RedirectError {
  return { kind: 'redirect_error', redirectUri: request.redirectUri, error, description, ...(request.state === undefined ? {} : { state: request.state }) };
}

function isLoopbackUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
  } catch {
    return false;
  }
}

export function consentView(client: Client, request: AuthorizationRequest): ConsentView {
  return {
    clientId: client.clientId,
    ...(client.clientName === undefined ? {} : { clientName: client.clientName }),
    clientKind: client.kind,
    redirectUri: request.redirectUri,
    allLoopback: client.redirectUris.length > 0 && client.redirectUris.every(isLoopbackUri),
    scopes: request.scopes,
  };
}

/** The wire error a failed sign-in becomes. @see SECURITY.md E2, E4 */
export function loginFailure(error: unknown): { readonly error: DomainErrorCode; readonly description: string } {
  const code = isDomainError(error) ? error.code : undefined;
  if (code === 'access_denied') return { error: 'access_denied', description: 'the user did not sign in' };
  if (code === 'login_refused') return { error: 'access_denied', description: 'this account may not sign in here' };
  if (code === 'upstream_failed' || code === 'storage_unavailable') return { error: 'temporarily_unavailable', description: 'sign-in is unavailable, try again' };
  return { error: 'server_error', description: 'sign-in failed' };
}

/**
 * An `error` the provider sent to the callback. `access_denied` goes back to the client as such;
 * other well-formed codes become `server_error`; anything else (markup, garbage) is a local page
 * and is never echoed. @see RFC 6749 §4.1.2.1, SECURITY.md E2, E3
 */
export function upstreamError(request: AuthorizationRequest, error: string): RedirectError | Refused {
  if (error === 'access_denied') return redirectError(request, 'access_denied', 'the user denied access at the identity provider');
  if (error === 'temporarily_unavailable') return redirectError(request, 'temporarily_unavailable', 'the identity provider is unavailable');
  if (/^[a-z_]{1,64}$/.test(error)) return redirectError(request, 'server_error', 'the identity provider reported an error');
  return refused(400, 'The identity provider returned an invalid error.');
}
