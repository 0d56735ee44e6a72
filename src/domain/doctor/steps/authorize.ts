import { chooseRegistration } from '../../client-profiles/index.js';
import type { CimdRegistration } from '../../client-profiles/types.js';
import type { ProbeResponse } from '../../ports/probe.js';
import type { DoctorContext } from '../context.js';
import { fail, pass, skip, type StepResult } from '../report.js';
import { authorizationUrl } from './registration.js';

/**
 * The authorization endpoint's answer to the client as the profile identifies itself — by its
 * Client ID Metadata Document when it would use one, and as the client it registered — and to a
 * redirect URI nobody registered (CLIENTS.md 1.4, 1.5).
 */
const UNREGISTERED_REDIRECT = 'https://unregistered.keyway-doctor.invalid/callback';

const browserGet = (context: DoctorContext, url: string): Promise<ProbeResponse> =>
  context.send({ method: 'GET', url, headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (keyway doctor)' } });

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

/**
 * The document's URL as `client_id` (draft-ietf-oauth-client-id-metadata-document §3): the server
 * must fetch the document, or hold a copy, and show its page (or send the person on to sign in).
 * Answers what was measured when it did, a failure when it did not, nothing when the profile
 * registers instead.
 */
async function checkCimd(context: DoctorContext): Promise<string | StepResult | undefined> {
  const choice = chooseRegistration(context.options.profile, context.findings.authServer ?? {});
  if (choice.method !== 'cimd') return undefined;
  const { cimd } = choice;
  const redirectUri = cimd.document.redirect_uris[0] ?? context.options.profile.authorization.redirectUris[0] ?? '';
  const response = await browserGet(context, authorizationUrl(context, cimd.clientId, redirectUri).url);
  const location = response.headers['location'] ?? '';
  const measured = `CIMD client → ${response.status}${location === '' ? '' : ` to ${location.split('?')[0] ?? ''}`}`;
  const sentBack = isRedirect(response.status) && location.startsWith(redirectUri) && URL.canParse(location) ? new URL(location).searchParams.get('error') : null;
  if (response.status >= 400 || sentBack !== null) {
    const why = sentBack === null ? `: ${response.body.slice(0, 160)}` : ` (error=${sentBack})`;
    return fail('authorize', `${measured}${why}`, cimdCause(cimd), cimdFix(cimd));
  }
  return measured;
}

const cimdCause = (cimd: CimdRegistration): string =>
  `the server advertises CIMD but could not use ${cimd.document.client_name ?? 'the client'}'s document (fetch blocked by a WAF/egress, or served as HTML); the client uses its document whenever the metadata allows it, so sign-in ends on this error page`;

const cimdFix = (cimd: CimdRegistration): string =>
  `Let the authorization server fetch ${cimd.clientId} (allow egress to ${new URL(cimd.clientId).host}, exempt it from bot rules, read it as JSON whatever its content type) or keep a copy of it; otherwise stop advertising client_id_metadata_document_supported, and the client registers with DCR.`;

export async function checkAuthorize(context: DoctorContext): Promise<StepResult> {
  const cimd = await checkCimd(context);
  if (cimd !== undefined && typeof cimd !== 'string') return cimd;
  const client = context.findings.client;
  if (client === undefined) return cimd === undefined ? skip('authorize', 'no registered client to authorize') : pass('authorize', cimd);
  const redirectUri = context.options.profile.authorization.redirectUris[0] ?? '';
  const registered = await browserGet(context, authorizationUrl(context, client.clientId, redirectUri).url);
  const location = registered.headers['location'] ?? '';
  const measuredFirst = `${cimd === undefined ? '' : `${cimd}; `}registered client → ${registered.status}${location === '' ? '' : ` to ${location.split('?')[0] ?? ''}`}`;
  if (location.startsWith(redirectUri) && registered.status >= 300 && registered.status < 400) {
    const back = new URL(location).searchParams;
    const error = back.get('error');
    const issuer = context.findings.issuer;
    if (context.findings.authServer?.['authorization_response_iss_parameter_supported'] === true && back.get('iss') !== issuer) {
      return fail('authorize', measuredFirst, `the redirect back carries iss ${JSON.stringify(back.get('iss'))}, not the issuer ${issuer ?? ''}, although the metadata advertises iss support; Claude Code and ChatGPT drop it (RFC 9207)`, 'Put iss identical to the metadata issuer on every authorization response, errors included.');
    }
    if (error !== null) {
      return fail('authorize', measuredFirst, `the authorization endpoint sent the client back with error=${error} (${new URL(location).searchParams.get('error_description') ?? 'no description'}) before the person saw anything`, error === 'invalid_scope' ? 'Ignore unknown scopes instead of refusing the request.' : 'Accept the request exactly as the client sends it (S256, resource, the challenge scope).');
    }
  } else if (registered.status >= 400) {
    return fail('authorize', `${measuredFirst}: ${registered.body.slice(0, 160)}`, 'the authorization endpoint refused a client it just registered', 'Accept the registered redirect URI exactly, PKCE S256 and the resource parameter.');
  }
  const stranger = await browserGet(context, authorizationUrl(context, client.clientId, UNREGISTERED_REDIRECT).url);
  const measured = `${measuredFirst}; unregistered redirect_uri → ${stranger.status}`;
  if ((stranger.headers['location'] ?? '').startsWith(UNREGISTERED_REDIRECT)) {
    return fail('authorize', measured, 'the authorization endpoint redirects to a redirect URI the client never registered: an open redirector that leaks codes', 'Compare redirect_uri exactly against the registered ones and show an error page (never redirect) on a mismatch (RFC 9700 §4.1).');
  }
  return pass('authorize', measured);
}
