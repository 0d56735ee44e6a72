import { createContext, describeError, DoctorAbort, type DoctorContext, type DoctorOptions, type DoctorPorts } from './context.js';
import { buildReport, fail, type DoctorReport, type StepId, type StepResult } from './report.js';
import { checkChallenge } from './steps/challenge.js';
import { checkAuthServerMetadata, checkResourceMetadata } from './steps/metadata.js';
import { checkDns, checkPort, checkTls } from './steps/network.js';
import { checkUrl, checkUserAgents } from './steps/probe-steps.js';
import { checkAuthorize } from './steps/authorize.js';
import { checkRegistration } from './steps/registration.js';
import { checkAccept, checkDiscover, checkInitialize, checkVersionMismatch } from './steps/streamable.js';
import { checkLegacySse, checkListenStream } from './steps/streams.js';
import { checkRefresh, checkRevoke, checkSignIn, revokeObtained } from './steps/tokens.js';
import { checkToolCall, checkToolsList } from './steps/tools.js';

/**
 * `keyway doctor`: what a client does when a person pastes the URL, step by step, stopping at the
 * first step that would make the client give up.
 */
type Step = readonly [StepId, (context: DoctorContext) => Promise<StepResult>];

export const STEPS: readonly Step[] = [
  ['dns', checkDns],
  ['tls', checkTls],
  ['port', checkPort],
  ['user-agent', checkUserAgents],
  ['url', checkUrl],
  ['challenge', checkChallenge],
  ['resource-metadata', checkResourceMetadata],
  ['auth-server-metadata', checkAuthServerMetadata],
  ['registration', checkRegistration],
  ['authorize', checkAuthorize],
  ['sign-in', checkSignIn],
  ['initialize', checkInitialize],
  ['discover', checkDiscover],
  ['version-mismatch', checkVersionMismatch],
  ['accept', checkAccept],
  ['listen-stream', checkListenStream],
  ['sse', checkLegacySse],
  ['tools-list', checkToolsList],
  ['tool-call', checkToolCall],
  ['refresh', checkRefresh],
  ['revoke', checkRevoke],
];

function unreachable(step: StepId, error: unknown): StepResult {
  if (error instanceof DoctorAbort) return fail(step, 'stopped', error.message, error.fix);
  return fail(step, 'no answer', `the request failed: ${describeError(error)}`, 'Make the server answer from the public internet within the client\'s limits (10 s for discovery, registration and tokens); a reset or timeout shows as "Couldn\'t reach".');
}

/** Runs the steps in order; `onStep` sees each result as soon as it is known. */
export async function runDoctor(options: DoctorOptions, ports: DoctorPorts, onStep: (result: StepResult) => void = () => undefined): Promise<DoctorReport> {
  const context = createContext(options, ports);
  if (options.token !== undefined) {
    context.findings.tokens = {
      access: options.token,
      ...(options.refreshToken === undefined ? {} : { refresh: options.refreshToken }),
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
    };
  }
  const results: StepResult[] = [];
  for (const [id, check] of STEPS) {
    const result = await check(context).catch((error: unknown) => unreachable(id, error));
    results.push(result);
    onStep(result);
    if (result.verdict === 'fail') break;
  }
  context.closeStreams();
  // Whatever step the run stopped at, tokens the doctor obtained do not outlive it.
  const note = await revokeObtained(context);
  return buildReport(options.url, options.profile.id, results, note === undefined ? [] : [note]);
}
