import type { ProbeResponse } from '../../ports/probe.js';
import type { DoctorContext } from '../context.js';
import { describeAnswer, initializeMessage, legacyMessage, LEGACY_VERSION, MODERN_VERSION, modernMessage, readAnswer } from '../jsonrpc.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';
import { NEEDS_TOKEN, needsToken, noStreamable, postMcp } from './mcp-request.js';

/**
 * Streamable HTTP with a token: `initialize` (2025-11-25), `server/discover` (2026-07-28), the
 * header/`_meta` mismatch Claude sends, and the Accept values it sends (CLIENTS.md 1.7–1.9).
 */
const isClaude = (context: DoctorContext): boolean => context.options.profile.id.startsWith('claude');

function refused(context: DoctorContext, step: 'initialize', response: ProbeResponse): StepResult {
  if (response.status === 401) {
    return fail(step, '401 with the token', 'the MCP endpoint refuses the token: expired, issued for another resource, or not this server\'s', 'Get a fresh token (--login), and make the token\'s audience the pasted URL.');
  }
  if (response.status === 403) {
    return fail(step, '403 with the token', 'a valid token still gets 403: an edge rule (WAF, bot protection) or an Origin/Host guard blocks the MCP call', 'Turn off "Block AI bots" for this host and allow the public Host name.');
  }
  if (response.status >= 300 && response.status < 400) {
    return fail(step, `${response.status} → ${response.headers['location'] ?? ''}`, 'the MCP URL redirects; clients do not follow redirects there', 'Serve the MCP path directly, with and without a trailing slash.');
  }
  const strict = context.options.transport === 'streamable' ? ' (--transport streamable: no legacy SSE fallback)' : '';
  const fix = `Serve MCP 2025-11-25 initialize on this URL${strict === '' ? '' : ', or check its legacy SSE with --transport auto'}.`;
  return fail(step, describeAnswer(response, readAnswer(response, 2)), `initialize (${LEGACY_VERSION}) failed${strict}`, fix);
}

export async function checkInitialize(context: DoctorContext): Promise<StepResult> {
  if (needsToken(context)) return skip('initialize', NEEDS_TOKEN);
  if (context.options.transport === 'sse') return skip('initialize', noStreamable(context));
  const response = await postMcp(context, initializeMessage(context.options.profile, 2));
  context.findings.postStatus = response.status;
  const answer = readAnswer(response, 2);
  const version = answer?.result?.['protocolVersion'];
  if (response.status === 200 && typeof version === 'string') {
    const session = response.headers['mcp-session-id'];
    context.findings.negotiated = { version, ...(session === undefined ? {} : { sessionId: session }) };
    const initialized = await postMcp(context, legacyMessage(undefined, 'notifications/initialized'), { version });
    const measured = `200, protocolVersion ${version}${session === undefined ? ', stateless' : ', session'} in ${response.ms} ms; notifications/initialized → ${initialized.status}`;
    if (initialized.status < 200 || initialized.status >= 300) {
      return warn('initialize', measured, 'notifications/initialized was refused; clients send it without a session id', 'Accept notifications (202) with or without a session id.');
    }
    return pass('initialize', measured);
  }
  if (context.options.transport === 'auto' && context.options.profile.protocol.sseFallbackOn.includes(response.status)) {
    return warn('initialize', `${response.status}: Streamable HTTP not served; the client falls back to legacy SSE`, 'legacy-only servers depend on the SSE fallback, which some clients lack (mcp-remote falls back only on 404)', 'Serve Streamable HTTP on this URL as well.');
  }
  return refused(context, 'initialize', response);
}

const streamableServed = (context: DoctorContext): boolean => context.findings.negotiated !== undefined;

export async function checkDiscover(context: DoctorContext): Promise<StepResult> {
  if (!streamableServed(context)) return skip('discover', needsToken(context) ? NEEDS_TOKEN : noStreamable(context));
  const response = await postMcp(context, modernMessage(context.options.profile, 3, 'server/discover'), { version: MODERN_VERSION, extra: { 'mcp-method': 'server/discover' } });
  const answer = readAnswer(response, 3);
  const versions = answer?.result?.['supportedVersions'];
  if (response.status === 200 && Array.isArray(versions)) return pass('discover', `200, supportedVersions ${versions.join(' ')}`);
  const measured = describeAnswer(response, answer);
  const cause = answer?.error?.code === -32601
    ? `a 2025-only server: server/discover is unknown (-32601). Claude surfaces rolling out ${MODERN_VERSION} open with it, and the fallback to initialize is unreliable (#1044)`
    : `server/discover (${MODERN_VERSION}) failed`;
  const fix = `Serve both eras on the same URL: ${MODERN_VERSION} (server/discover, stateless) next to initialize.`;
  return isClaude(context) ? fail('discover', measured, cause, fix) : warn('discover', measured, cause, fix);
}

export async function checkVersionMismatch(context: DoctorContext): Promise<StepResult> {
  if (!streamableServed(context)) return skip('version-mismatch', noStreamable(context));
  const response = await postMcp(context, modernMessage(context.options.profile, 4, 'server/discover'), { version: LEGACY_VERSION, extra: { 'mcp-method': 'server/discover' } });
  const answer = readAnswer(response, 4);
  if (response.status === 200 && answer?.result !== undefined) return pass('version-mismatch', `header ${LEGACY_VERSION} with _meta ${MODERN_VERSION} → 200`);
  const measured = `header ${LEGACY_VERSION} with _meta ${MODERN_VERSION} → ${describeAnswer(response, answer)}`;
  const cause = `the server rejects the header/_meta mismatch Claude sends (anthropics/claude-code#93290); the connection dies`;
  const fix = 'Take the version from _meta and log the mismatch instead of answering -32020/400.';
  return isClaude(context) ? fail('version-mismatch', measured, cause, fix) : warn('version-mismatch', measured, cause, fix);
}

export async function checkAccept(context: DoctorContext): Promise<StepResult> {
  if (!streamableServed(context)) return skip('accept', noStreamable(context));
  const version = context.findings.negotiated?.version;
  const wildcard = await postMcp(context, legacyMessage(5, 'ping'), { accept: '*/*', ...(version === undefined ? {} : { version }) });
  const none = await postMcp(context, legacyMessage(6, 'ping'), { accept: null, ...(version === undefined ? {} : { version }) });
  const measured = `Accept */* → ${wildcard.status}, no Accept → ${none.status}`;
  const bad = [wildcard, none].find((response) => response.status !== 200);
  if (bad === undefined) return pass('accept', measured);
  return fail('accept', measured, `Claude sends Accept: */* on some probes and Claude Code none at all; the server answered ${bad.status}${bad.status === 406 ? ' (the TS SDK 1.x default)' : ''}`, 'Treat */* and a missing Accept as the spec pair before the transport sees the request; never answer 406.');
}
