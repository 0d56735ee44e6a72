import { chooseRegistration } from '../../client-profiles/index.js';
import type { ProbeResponse } from '../../ports/probe.js';
import { userAgent, type DoctorContext } from '../context.js';
import { parseJson } from '../jsonrpc.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';

/**
 * Dynamic registration with the profile's own body, as many times as it sends it (Claude: twice,
 * about 1 s apart) (CLIENTS.md 1.4); the authorization URL the client then opens.
 */
const endpoint = (context: DoctorContext, field: string): string | undefined => {
  const value = context.findings.authServer?.[field];
  return typeof value === 'string' ? value : undefined;
};

const nullFields = (document: Record<string, unknown>): string[] => Object.entries(document).filter(([, value]) => value === null).map(([name]) => name);

export async function register(context: DoctorContext, body: object): Promise<ProbeResponse> {
  const url = endpoint(context, 'registration_endpoint') ?? '';
  return context.send({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...userAgent(context.options.profile.userAgents.registration) },
    body: JSON.stringify(body),
  });
}

export async function checkRegistration(context: DoctorContext): Promise<StepResult> {
  if (context.findings.authServer === undefined) return skip('registration', 'no authorization required');
  if (endpoint(context, 'registration_endpoint') === undefined) return skip('registration', 'no registration_endpoint (CIMD only): nothing to register');
  const { dcr } = context.options.profile.registration;
  const statuses: number[] = [];
  let client: Record<string, unknown> | undefined;
  for (let attempt = 0; attempt < dcr.attempts; attempt += 1) {
    const response = await register(context, dcr.body);
    statuses.push(response.status);
    const measured = `POST /register ×${attempt + 1} → ${statuses.join(', ')}`;
    const document = parseJson(response.body);
    if (response.status !== 201 && response.status !== 200) {
      return fail('registration', `${measured}: ${response.body.slice(0, 160)}`, `registration ${attempt === 0 ? '' : 'repeated '}with ${context.options.profile.displayName}'s body was refused${attempt === 0 ? '' : ': the client registers twice per attempt and the duplicate must succeed'}`, 'Accept the client\'s registration body as sent (client_secret_post included; unknown scopes ignored), quickly and repeatedly, and answer 201.');
    }
    if (document === undefined || typeof document['client_id'] !== 'string') {
      return fail('registration', measured, 'the answer has no client_id (or is not JSON)', 'Answer 201 with the RFC 7591 client information response as application/json.');
    }
    const nulls = nullFields(document);
    if (nulls.length > 0) {
      return fail('registration', `${measured}; null fields: ${nulls.join(', ')}`, 'the registration response carries null fields; strict clients reject it (sigbit/mcp-auth-proxy#173, typescript-sdk#940)', 'Omit unset fields from the registration response instead of sending null.');
    }
    client = document;
  }
  return judgeClient(context, client ?? {}, `POST /register ×${dcr.attempts} → ${statuses.join(', ')}${cimdNote(context)}`, statuses);
}

/** When the profile would pick a Client ID Metadata Document instead, say so: the doctor cannot serve the client's document. */
function cimdNote(context: DoctorContext): string {
  const choice = chooseRegistration(context.options.profile, context.findings.authServer ?? {});
  return choice.method === 'cimd' ? ` (the client would use its metadata document ${choice.cimd.clientId}; some register anyway)` : '';
}

function judgeClient(context: DoctorContext, document: Record<string, unknown>, measured: string, statuses: readonly number[]): StepResult {
  const method = document['token_endpoint_auth_method'];
  const secret = document['client_secret'];
  const clientId = String(document['client_id']);
  context.findings.client = { clientId, authMethod: typeof method === 'string' ? method : 'client_secret_basic', ...(typeof secret === 'string' ? { clientSecret: secret } : {}) };
  if (typeof method !== 'string') {
    return warn('registration', measured, 'the response does not state token_endpoint_auth_method; Claude uses the method in the response', 'Echo token_endpoint_auth_method, grant_types and response_types in the registration response.');
  }
  if (method !== 'none' && typeof secret !== 'string') {
    return fail('registration', measured, `token_endpoint_auth_method ${method} but no client_secret`, 'Return a client_secret with any secret-based method, or answer with "none".');
  }
  if (statuses.some((status) => status !== 201)) return warn('registration', measured, 'RFC 7591 §3.2.1 answers 201 Created', 'Answer 201.');
  return pass('registration', `${measured}; auth method ${method}; no null fields`);
}

export interface AuthorizationRequest {
  readonly url: string;
  readonly state: string;
  readonly verifier: string;
}

/** The authorization URL the profile's client opens, with PKCE S256. */
export function authorizationUrl(context: DoctorContext, clientId: string, redirectUri: string): AuthorizationRequest {
  const { authorization } = context.options.profile;
  const url = new URL(endpoint(context, 'authorization_endpoint') ?? context.target.origin);
  const state = context.ports.probe.randomToken();
  const verifier = context.ports.probe.randomToken();
  const scope = 'fixed' in authorization.scope ? authorization.scope.fixed : authorization.scope.from === 'challenge' ? context.findings.challengeScope : undefined;
  const parameters: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: context.ports.probe.s256(verifier),
    code_challenge_method: 'S256',
    scope: authorization.asksOfflineAccess ? [scope, 'offline_access'].filter(Boolean).join(' ') : scope,
    resource: authorization.sendsResource ? context.options.url : undefined,
  };
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.set(name, value);
  return { url: url.href, state, verifier };
}
