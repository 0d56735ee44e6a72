import type { ProbeResponse } from '../../ports/probe.js';
import { describeError, DoctorAbort, userAgent, type DoctorContext, type TokenSet } from '../context.js';
import { legacyMessage, parseJson } from '../jsonrpc.js';
import { postMcp } from './mcp-request.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';
import { authorizationUrl, register } from './registration.js';

/**
 * The token side: `--login` (a person signs in at a browser, the code comes back to a loopback
 * callback), refresh twice in a row and a dead refresh token (CLIENTS.md 1.6), and revocation.
 */
const endpointOf = (context: DoctorContext, field: string): string | undefined => {
  const value = context.findings.authServer?.[field];
  return typeof value === 'string' ? value : undefined;
};

type Send = DoctorContext['send'];

function tokenRequest(context: DoctorContext, url: string, form: Record<string, string>, tokens: Pick<TokenSet, 'clientId' | 'clientSecret'>, send: Send = context.send): Promise<ProbeResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...userAgent(context.options.profile.userAgents.token) };
  const body = new URLSearchParams(form);
  if (tokens.clientId !== undefined) body.set('client_id', tokens.clientId);
  if (tokens.clientSecret !== undefined) body.set('client_secret', tokens.clientSecret);
  if (context.options.profile.authorization.sendsResource && !('token' in form)) body.set('resource', context.options.url);
  return send({ method: 'POST', url, headers, body: body.toString() });
}

const LOGIN_CLIENT = { token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_name: 'keyway doctor' };

export async function checkSignIn(context: DoctorContext): Promise<StepResult> {
  const { signIn } = context.ports;
  if (!context.options.login) return skip('sign-in', context.findings.tokens === undefined ? 'no --login' : 'token given');
  if (signIn === undefined || context.findings.authServer === undefined) return skip('sign-in', 'no authorization server to sign in at');
  if (endpointOf(context, 'registration_endpoint') === undefined) return skip('sign-in', 'no registration_endpoint for the doctor\'s own loopback client');
  const callback = await signIn.listen();
  try {
    const registered = parseJson((await register(context, { ...LOGIN_CLIENT, redirect_uris: [callback.redirectUri] })).body);
    const clientId = registered?.['client_id'];
    if (typeof clientId !== 'string') return fail('sign-in', 'registration refused', 'the doctor could not register its loopback client', 'Allow loopback redirect URIs on any port (RFC 8252 §7.3).');
    const request = authorizationUrl(context, clientId, callback.redirectUri);
    await signIn.open(request.url);
    const waitMs = Math.min(context.options.loginWaitMs, context.remainingMs());
    const query = await callback.receive(waitMs).catch((error: unknown) => {
      throw context.cutByDeadline(waitMs, context.options.loginWaitMs) ? context.deadlineAbort() : error;
    });
    return await exchangeCode(context, query, request, clientId, callback.redirectUri);
  } catch (error) {
    if (error instanceof DoctorAbort) throw error;
    return fail('sign-in', 'no callback', `the sign-in did not come back to the loopback callback: ${describeError(error)}`, 'Finish the sign-in in the browser within the wait (--login-wait), or pass --token.');
  } finally {
    await callback.close();
  }
}

async function exchangeCode(context: DoctorContext, query: URLSearchParams, request: { state: string; verifier: string }, clientId: string, redirectUri: string): Promise<StepResult> {
  const issuer = context.findings.issuer;
  const iss = query.get('iss');
  const advertised = context.findings.authServer?.['authorization_response_iss_parameter_supported'] === true;
  if (query.get('error') !== null) return fail('sign-in', `error=${query.get('error') ?? ''}`, `the authorization ended with ${query.get('error') ?? ''}: ${query.get('error_description') ?? ''}`, 'See the server log for the refused authorization.');
  if (query.get('state') !== request.state) return fail('sign-in', 'state differs', 'the callback state is not the one sent: clients drop such a response', 'Return state unchanged.');
  if ((advertised || iss !== null) && iss !== issuer) {
    return fail('sign-in', `iss ${JSON.stringify(iss)}`, `the redirect's iss differs from the issuer ${issuer ?? ''}; Claude Code and ChatGPT check it (RFC 9207)`, 'Put iss identical to the metadata issuer on every authorization response, or do not advertise authorization_response_iss_parameter_supported.');
  }
  const tokenUrl = endpointOf(context, 'token_endpoint') ?? '';
  const response = await tokenRequest(context, tokenUrl, { grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: redirectUri, code_verifier: request.verifier }, { clientId });
  const body = parseJson(response.body);
  if (response.status !== 200 || typeof body?.['access_token'] !== 'string') {
    return fail('sign-in', `token → ${response.status}`, `the code exchange failed: ${response.body.slice(0, 160)}`, 'Accept form-encoded authorization_code grants with PKCE and resource.');
  }
  const refresh = body['refresh_token'];
  context.findings.tokens = { access: body['access_token'], clientId, ...(typeof refresh === 'string' ? { refresh } : {}) };
  context.findings.tokensObtained = true;
  const measured = `code → token ${response.status}${iss === null ? '' : ', iss matches'}`;
  if (typeof refresh !== 'string') return warn('sign-in', measured, 'no refresh token: the person signs in again every time the access token expires', 'Issue rotating refresh tokens (Claude never asks for offline_access).');
  return pass('sign-in', measured);
}

/**
 * The origin of `url` when it differs from the issuer's: the person's refresh token, and the one it
 * rotates into, go only to the issuer's origin — metadata that names another origin would hand
 * them to whoever runs it.
 */
function foreignOrigin(context: DoctorContext, url: string): string | undefined {
  const issuer = context.findings.issuer;
  if (issuer === undefined || !URL.canParse(issuer) || !URL.canParse(url)) return undefined;
  const origin = new URL(url).origin;
  return origin === new URL(issuer).origin ? undefined : origin;
}

function foreignTokenEndpoint(context: DoctorContext, url: string): StepResult | undefined {
  const origin = context.options.refreshToken === undefined ? undefined : foreignOrigin(context, url);
  if (origin === undefined) return undefined;
  return fail('refresh', `token_endpoint ${url}`, `the token_endpoint is on ${origin}, not on the issuer's origin ${new URL(context.findings.issuer ?? url).origin}: the doctor does not send your refresh token to another origin`, 'Serve the token endpoint on the issuer\'s origin; or test refresh with --login, which uses tokens the doctor obtains itself.');
}

const NEEDS_SECRET = 'needs the client\'s secret: pass --client-secret (or KEYWAY_DOCTOR_CLIENT_SECRET)';

export async function checkRefresh(context: DoctorContext): Promise<StepResult> {
  const tokens = context.findings.tokens;
  const url = endpointOf(context, 'token_endpoint');
  if (tokens?.refresh === undefined || url === undefined) return skip('refresh', 'no refresh token (--refresh-token with --client-id, or --login)');
  const foreign = foreignTokenEndpoint(context, url);
  if (foreign !== undefined) return foreign;
  let refresh = tokens.refresh;
  const statuses: number[] = [];
  for (let round = 0; round < 2; round += 1) {
    const response = await tokenRequest(context, url, { grant_type: 'refresh_token', refresh_token: refresh }, tokens);
    statuses.push(response.status);
    const body = parseJson(response.body);
    // A confidential client's refresh needs its secret; without one the doctor cannot tell anything.
    if (body?.['error'] === 'invalid_client' && tokens.clientSecret === undefined) return skip('refresh', `refresh → ${response.status} invalid_client: ${NEEDS_SECRET}`);
    if (response.status !== 200 || typeof body?.['access_token'] !== 'string') {
      return fail('refresh', `refresh ×${round + 1} → ${statuses.join(', ')}: ${response.body.slice(0, 120)}`, `refresh ${round === 0 ? '' : 'with the rotated token '}failed: the client loses the connection at expiry`, 'Accept form-encoded refresh_token grants and return the new refresh token in the same response that retires the old one.');
    }
    const rotated = typeof body['refresh_token'] === 'string' ? body['refresh_token'] : refresh;
    context.findings.tokens = { ...tokens, access: body['access_token'], refresh: rotated };
    // The given refresh token is used up; the one it rotated into is the doctor's to revoke.
    if (rotated !== context.options.refreshToken) context.findings.tokensObtained = true;
    refresh = rotated;
  }
  const dead = await tokenRequest(context, url, { grant_type: 'refresh_token', refresh_token: `dead-${context.ports.probe.randomToken()}` }, tokens);
  const error = parseJson(dead.body)?.['error'];
  const measured = `refresh ×2 → ${statuses.join(', ')}; dead refresh token → ${dead.status} ${String(error)}`;
  if (dead.status !== 400 || error !== 'invalid_grant') {
    return fail('refresh', measured, `a dead refresh token got ${dead.status} ${String(error)} instead of 400 invalid_grant; clients read anything else as a server fault and never re-authorize`, 'Answer 400 invalid_grant for an unknown, expired or rotated refresh token (401 invalid_client only for an unknown client, 503 for a storage outage).');
  }
  return pass('refresh', measured);
}

export async function checkRevoke(context: DoctorContext): Promise<StepResult> {
  const tokens = context.findings.tokens;
  const url = endpointOf(context, 'revocation_endpoint');
  if (tokens === undefined || !context.options.login) return skip('revoke', 'only tokens the doctor obtained itself (--login) are revoked');
  if (url === undefined) return warn('revoke', 'no revocation_endpoint', 'tokens cannot be revoked by the client', 'Offer RFC 7009 revocation.');
  const token = tokens.refresh ?? tokens.access;
  const response = await tokenRequest(context, url, { token, token_type_hint: tokens.refresh === undefined ? 'access_token' : 'refresh_token' }, tokens);
  context.findings.revoked = true;
  if (response.status !== 200) return fail('revoke', `${response.status}`, `revocation answered ${response.status}: ${response.body.slice(0, 120)}`, 'Answer 200 to a revocation request (RFC 7009 §2.2), even for an unknown token.');
  if (tokens.refresh === undefined) return pass('revoke', '200');
  // RFC 7009 §2.1: revoking a refresh token should also invalidate the grant's access tokens.
  const after = await postMcp(context, legacyMessage(9, 'tools/list'), context.findings.negotiated === undefined ? {} : { version: context.findings.negotiated.version });
  const measured = `200; the access token then gets ${after.status}`;
  if (after.status !== 401) return warn('revoke', measured, 'the access token still works after its grant was revoked: it stays valid until it expires', 'Revoke the whole grant, access tokens included (RFC 7009 §2.1).');
  return pass('revoke', measured);
}

/**
 * The token the doctor holds and never got from the person: with `--login` its own grant (the
 * refresh token, which ends the grant, RFC 7009 §2.1, else the access token); otherwise the
 * refresh token the given one rotated into.
 */
function obtainedToken(context: DoctorContext): { token: string; hint: string; what: string } | undefined {
  const { tokens, tokensObtained, revoked } = context.findings;
  if (tokens === undefined || tokensObtained !== true || revoked === true) return undefined;
  if (context.options.login) {
    return { token: tokens.refresh ?? tokens.access, hint: tokens.refresh === undefined ? 'access_token' : 'refresh_token', what: 'the tokens the doctor obtained (--login)' };
  }
  if (tokens.refresh === undefined || tokens.refresh === context.options.refreshToken) return undefined;
  return { token: tokens.refresh, hint: 'refresh_token', what: 'the refresh token --refresh-token rotated into' };
}

/** After the steps, wherever they stopped: revokes what {@link obtainedToken} finds; a note says how it went. */
export async function revokeObtained(context: DoctorContext): Promise<string | undefined> {
  const target = obtainedToken(context);
  if (target === undefined) return undefined;
  const url = endpointOf(context, 'revocation_endpoint');
  if (url === undefined) return `${target.what} could not be revoked (no revocation_endpoint): valid until expiry`;
  const origin = context.options.login ? undefined : foreignOrigin(context, url);
  if (origin !== undefined) return `${target.what} was not sent to the revocation_endpoint on ${origin}, another origin than the issuer's: valid until expiry`;
  try {
    const response = await tokenRequest(context, url, { token: target.token, token_type_hint: target.hint }, context.findings.tokens ?? {}, context.sendAfterRun);
    return response.status === 200 ? `revoked ${target.what} → 200` : `revoking ${target.what} answered ${response.status}: valid until expiry`;
  } catch (error) {
    return `revoking ${target.what} failed (${describeError(error)}): valid until expiry`;
  }
}
