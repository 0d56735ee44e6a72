import type { DoctorContext } from '../context.js';
import { fail, pass, warn, type StepResult } from '../report.js';
import { bearerParameters } from './probe-steps.js';

/**
 * The 401 and its `WWW-Authenticate` (CLIENTS.md 1.1; RFC 9728 §5.1; RFC 6750 §3.1): the only
 * pointer a client has to the metadata, and the scope it will ask for.
 */
export async function checkChallenge(context: DoctorContext): Promise<StepResult> {
  const challenged = context.findings.challenged;
  if (challenged === undefined) return fail('challenge', 'no answer', 'the URL step found nothing to read', 'Fix the URL step first.');
  if (challenged.status !== 401) {
    context.findings.authRequired = false;
    return pass('challenge', `${challenged.status} without a token: the server needs no authorization; the OAuth steps are skipped`);
  }
  context.findings.authRequired = true;
  const header = challenged.header;
  const expected = `${context.target.origin}/.well-known/oauth-protected-resource${context.target.pathname === '/' ? '' : context.target.pathname}`;
  const fix = `Answer 401 with WWW-Authenticate: Bearer resource_metadata="${expected}", scope="<the scope every MCP request needs>" on every MCP route.`;
  if (header === undefined) {
    return fail('challenge', '401 without WWW-Authenticate', 'nothing points the client to the protected resource metadata; under MCP 2025-06-18 and later the client cannot start OAuth', fix);
  }
  const parameters = bearerParameters(header);
  if (parameters === undefined) return fail('challenge', `401, WWW-Authenticate: ${header}`, 'the challenge is not a Bearer challenge', fix);
  const measured = `401, ${header}`;
  const metadata = parameters['resource_metadata'];
  if (parameters['scope'] !== undefined) context.findings.challengeScope = parameters['scope'];
  if (metadata === undefined) {
    return warn('challenge', measured, 'no resource_metadata: the client has to guess the metadata location (path, then root)', fix);
  }
  if (!URL.canParse(metadata)) return fail('challenge', measured, `resource_metadata is not a URL: ${metadata}`, fix);
  context.findings.resourceMetadataUrl = metadata;
  if (parameters['error'] !== undefined) {
    return warn('challenge', measured, 'error= on a request that carried no credentials (RFC 6750 §3.1 says to leave it out)', fix);
  }
  if (parameters['scope'] === undefined) {
    return warn('challenge', measured, 'no scope: Claude then asks for every scope in scopes_supported, and over-asking has produced invalid_scope', fix);
  }
  return pass('challenge', measured);
}
