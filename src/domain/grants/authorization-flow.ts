import type { Client } from '../clients/client.js';
import { matchRedirectUri } from '../clients/redirect-uri.js';
import type { ClientRegistry } from '../clients/registry.js';
import { isDomainError } from '../errors.js';
import type { OAuthPolicy } from '../oauth-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Hasher, Sealer } from '../ports/crypto.js';
import type { Identity, IdentityProvider } from '../ports/identity.js';
import type { Logger } from '../ports/logger.js';
import type { Random } from '../ports/random.js';
import type { ConsentStore, FlowNamespace, FlowStore, GrantStore } from '../ports/stores.js';
import { AUTHORIZATION_CODE_PREFIX } from '../tokens/token.js';
import {
  consentView,
  loginFailure,
  redirectError,
  refused,
  upstreamError,
  type AuthorizeInput,
  type AuthorizeOutcome,
  type CallbackInput,
  type CallbackOutcome,
  type CodeIssued,
  type ConsentNeeded,
  type DecisionInput,
  type DecisionOutcome,
  type LoginStarted,
  type RedirectError,
  type Refused,
} from './authorization-outcomes.js';
import { scopeKey, stateWithinBound, validateAuthorizationRequest, type AuthorizationRequest } from './authorization-request.js';
import type { Grant } from './grant.js';

export type * from './authorization-outcomes.js';

/**
 * The browser leg of the authorization code flow, over ports:
 * `/authorize` → Keyway's consent page → upstream sign-in → `/callback` → code to the client.
 *
 * - Unknown client or unregistered redirect URI: a local page, never a redirect (Decision 3, C1–C4).
 * - Consent per (user, client, redirect URI, scopes) before any upstream redirect (D1, D2); remembered
 *   consent skips the page only on a same-origin or user-typed navigation, never cross-site (D8).
 * - The consent form is CSRF-protected: single-use token, bound to the browser and the flow (D5).
 * - The upstream `state` exists only after approval: 256 random bits, single-use, 10 minutes,
 *   matched against the browser's state cookie at the callback (D6, D7, E1, E2).
 * @see RFC 6749 §4.1, OAuth 2.1 §4.1, RFC 9700 §4.7 (CSRF), SECURITY.md C, D, E
 */
export interface AuthorizationFlowDeps {
  readonly clients: ClientRegistry;
  readonly flows: FlowStore;
  readonly grants: GrantStore;
  readonly consents: ConsentStore;
  readonly identity: IdentityProvider;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: Hasher;
  readonly sealer: Sealer;
  readonly policy: OAuthPolicy;
  /** Keyway's fixed upstream callback, `<public>/callback`. */
  readonly callbackUrl: string;
  readonly logger: Logger;
}

export interface AuthorizationFlow {
  authorize(input: AuthorizeInput): Promise<AuthorizeOutcome>;
  decide(input: DecisionInput): Promise<DecisionOutcome>;
  finish(input: CallbackInput): Promise<CallbackOutcome>;
}

/** Pending requests, CSRF tokens and upstream states all live at most 10 minutes (SECURITY.md E1). */
export const FLOW_TTL_SECONDS = 600;

interface PendingRecord {
  readonly request: AuthorizationRequest;
  readonly bindingHash: string;
}

interface CsrfRecord {
  readonly flowId: string;
  readonly bindingHash: string;
}

interface UpstreamRecord {
  readonly request: AuthorizationRequest;
  readonly secret: string;
  /** `remembered`: approval came from a saved consent, so the signed-in user must own one. */
  readonly consent: 'explicit' | 'remembered';
}

function parseRecord<T>(payload: string | undefined): T | undefined {
  if (payload === undefined) return undefined;
  try {
    return JSON.parse(payload) as T;
  } catch {
    return undefined;
  }
}

export function createAuthorizationFlow(deps: AuthorizationFlowDeps): AuthorizationFlow {
  const { flows, hasher, clock, random, policy, logger } = deps;

  const put = (namespace: FlowNamespace, id: string, record: unknown): Promise<void> =>
    flows.put(namespace, hasher.hash(id), JSON.stringify(record), clock.now() + FLOW_TTL_SECONDS);
  const peek = async <T>(namespace: FlowNamespace, id: string): Promise<T | undefined> =>
    parseRecord<T>(await flows.peek(namespace, hasher.hash(id), clock.now()));
  const take = async <T>(namespace: FlowNamespace, id: string): Promise<T | undefined> =>
    parseRecord<T>(await flows.take(namespace, hasher.hash(id), clock.now()));
  const boundTo = (bindingHash: string, binding: string): boolean => hasher.equal(bindingHash, hasher.hash(binding));

  /** Client and redirect URI, validated before anything may be redirected (Decision 3). */
  async function target(clientId: string | undefined, presented: string | undefined): Promise<{ client: Client; redirectUri: string } | Refused> {
    if (clientId === undefined || clientId === '') return refused(400, 'The request names no client (client_id is missing).');
    const client = await deps.clients.resolve(clientId).catch((error: unknown) => {
      if (isDomainError(error) && error.code === 'fetch_failed') return undefined;
      throw error;
    });
    if (client === undefined) return refused(400, 'This application is not registered with this server (unknown client_id).');
    const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
    if (presented === undefined) return only === undefined ? refused(400, 'The request names no redirect_uri.') : { client, redirectUri: only };
    const redirectUri = matchRedirectUri(client.redirectUris, presented);
    if (redirectUri !== undefined) return { client, redirectUri };
    logger.warn('oauth.redirect_uri_mismatch', { clientId });
    return refused(400, 'The redirect_uri is not registered for this application.');
  }

  async function startUpstream(request: AuthorizationRequest, consent: UpstreamRecord['consent']): Promise<LoginStarted | RedirectError> {
    const upstreamState = random.token(32);
    try {
      const start = await deps.identity.startLogin({ state: upstreamState, callbackUrl: deps.callbackUrl });
      await put('upstream_state', upstreamState, { request, secret: start.secret, consent } satisfies UpstreamRecord);
      return { kind: 'login', redirectTo: start.redirectTo, upstreamState };
    } catch (error) {
      logger.warn('oauth.login_start_failed', { clientId: request.clientId, error: isDomainError(error) ? error.code : 'unexpected' });
      const failure = loginFailure(error);
      return redirectError(request, failure.error, failure.description);
    }
  }

  async function rememberedConsent(subject: string | undefined, request: AuthorizationRequest): Promise<boolean> {
    if (subject === undefined) return false;
    return (await deps.consents.find(subject, request.clientId, request.redirectUri, scopeKey(request.scopes))) !== undefined;
  }

  async function askConsent(client: Client, request: AuthorizationRequest, binding: string): Promise<ConsentNeeded> {
    const flowId = random.token(32);
    const csrfToken = random.token(32);
    const bindingHash = hasher.hash(binding);
    await put('authorization', flowId, { request, bindingHash } satisfies PendingRecord);
    await put('csrf', csrfToken, { flowId, bindingHash } satisfies CsrfRecord);
    return { kind: 'consent', flowId, csrfToken, view: consentView(client, request) };
  }

  async function authorize(input: AuthorizeInput): Promise<AuthorizeOutcome> {
    if (!stateWithinBound(input.params.state)) return refused(400, 'The state parameter is too long.');
    const found = await target(input.clientId, input.redirectUri);
    if ('kind' in found) return found;
    let request: AuthorizationRequest;
    try {
      request = validateAuthorizationRequest(found.client.clientId, found.redirectUri, input.params, policy);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      const state = input.params.state;
      return { kind: 'redirect_error', redirectUri: found.redirectUri, error: error.code, description: error.message, ...(state === undefined ? {} : { state }) };
    }
    await deps.clients.touch(request.clientId);
    const { browser } = input;
    if (browser.trustedNavigation && (await rememberedConsent(browser.rememberedSubject, request))) return startUpstream(request, 'remembered');
    return askConsent(found.client, request, browser.binding);
  }

  async function decide(input: DecisionInput): Promise<DecisionOutcome> {
    const csrf = await peek<CsrfRecord>('csrf', input.csrfToken);
    const valid = csrf !== undefined && csrf.flowId === input.flowId && boundTo(csrf.bindingHash, input.binding);
    if (!valid || (await take<CsrfRecord>('csrf', input.csrfToken)) === undefined) {
      logger.warn('oauth.consent_csrf_rejected', {});
      return refused(403, 'This consent form is invalid, expired or was already used. Start again from your application.');
    }
    const pending = await take<PendingRecord>('authorization', input.flowId);
    if (pending === undefined || !boundTo(pending.bindingHash, input.binding)) return refused(400, 'This authorization request has expired. Start again from your application.');
    if (!input.approve) {
      logger.info('oauth.consent_denied', { clientId: pending.request.clientId });
      return redirectError(pending.request, 'access_denied', 'the user denied the request');
    }
    return startUpstream(pending.request, 'explicit');
  }

  async function issue(request: AuthorizationRequest, identity: Identity): Promise<CodeIssued> {
    const now = clock.now();
    const grant: Grant = {
      grantId: random.token(),
      clientId: request.clientId,
      subject: identity.subject,
      ...(identity.name === undefined ? {} : { userName: identity.name }),
      scopes: request.scopes,
      resource: request.resource,
      redirectUri: request.redirectUri,
      ...(identity.upstreamTokens === undefined ? {} : { upstreamSealed: deps.sealer.seal(identity.upstreamTokens) }),
      createdAt: now,
      expiresAt: now + policy.grantMaxSeconds,
    };
    await deps.grants.createGrant(grant);
    const code = AUTHORIZATION_CODE_PREFIX + random.token(32);
    const { clientId, redirectUri, codeChallenge, resource, scopes } = request;
    await deps.grants.saveCode({ codeHash: hasher.hash(code), grantId: grant.grantId, clientId, redirectUri, codeChallenge, resource, scopes, expiresAt: now + policy.codeTtlSeconds });
    logger.info('oauth.code_issued', { clientId, subject: identity.subject, grantId: grant.grantId });
    return { kind: 'issued', redirectUri, code, subject: identity.subject, ...(request.state === undefined ? {} : { state: request.state }) };
  }

  /** Records (explicit) or checks (remembered) the signed-in user's consent; false when it is missing. */
  async function settleConsent(record: UpstreamRecord, subject: string): Promise<boolean> {
    const { clientId, redirectUri, scopes } = record.request;
    if (record.consent === 'remembered') return rememberedConsent(subject, record.request);
    await deps.consents.remember({ subject, clientId, redirectUri, scopeKey: scopeKey(scopes), createdAt: clock.now() });
    return true;
  }

  async function complete(record: UpstreamRecord, params: Readonly<Record<string, string>>): Promise<CallbackOutcome> {
    const { request } = record;
    if (params.error !== undefined) return upstreamError(request, params.error);
    try {
      const identity = await deps.identity.finishLogin({ params, secret: record.secret, callbackUrl: deps.callbackUrl });
      if (!(await settleConsent(record, identity.subject))) return refused(403, 'The account you signed in with has not approved this application. Start again from your application.');
      return await issue(request, identity);
    } catch (error) {
      logger.warn('oauth.login_failed', { clientId: request.clientId, error: isDomainError(error) ? error.code : 'unexpected' });
      // A refused account gets the provider's explanation on a local page (e.g. an organization
      // that has not approved the OAuth App), not a bare access_denied at the client.
      if (isDomainError(error) && error.code === 'login_refused') return refused(403, error.message);
      const failure = loginFailure(error);
      return redirectError(request, failure.error, failure.description);
    }
  }

  async function finish(input: CallbackInput): Promise<CallbackOutcome> {
    if (input.state === undefined || input.state === '') return refused(400, 'The sign-in response carries no state.');
    if ((await peek<UpstreamRecord>('upstream_state', input.state)) === undefined) return refused(400, 'This sign-in is unknown, expired or was already used. Start again from your application.');
    if (input.cookieState === undefined || !hasher.equal(input.cookieState, input.state)) {
      logger.warn('oauth.callback_other_browser', {});
      return refused(403, 'This sign-in was started in another browser or window. Start again from your application.');
    }
    const record = await take<UpstreamRecord>('upstream_state', input.state);
    if (record === undefined) return refused(400, 'This sign-in was already used. Start again from your application.');
    return complete(record, input.params);
  }

  return { authorize, decide, finish };
}
