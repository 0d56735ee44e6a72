/**
 * The doctor's verdicts: one line per step, in the order a hosted client takes them.
 * `skip` is a step the run could not take (no token given, nothing to call) and never fails it.
 */
export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export type StepId =
  | 'dns'
  | 'tls'
  | 'port'
  | 'user-agent'
  | 'url'
  | 'challenge'
  | 'resource-metadata'
  | 'auth-server-metadata'
  | 'registration'
  | 'authorize'
  | 'sign-in'
  | 'initialize'
  | 'discover'
  | 'version-mismatch'
  | 'accept'
  | 'listen-stream'
  | 'sse'
  | 'tools-list'
  | 'tool-call'
  | 'refresh'
  | 'revoke';

export interface StepResult {
  readonly step: StepId;
  readonly verdict: Verdict;
  /** What was measured, e.g. `401 in 12 ms` or `endpoint event after 3 ms`. */
  readonly measured: string;
  /** Why the step warns or fails, in terms of what the client does. */
  readonly cause?: string;
  /** What to change on the server (or the URL) to make it pass. */
  readonly fix?: string;
}

export interface DoctorReport {
  readonly url: string;
  readonly client: string;
  readonly steps: readonly StepResult[];
  /** The first failing step: where the client gives up. Absent when nothing failed. */
  readonly firstFailure?: StepResult;
  readonly ok: boolean;
  /** What the doctor did after the steps (revoking the tokens it obtained); no verdict. */
  readonly notes?: readonly string[];
}

export const pass = (step: StepId, measured: string): StepResult => ({ step, verdict: 'pass', measured });

export const skip = (step: StepId, measured: string): StepResult => ({ step, verdict: 'skip', measured });

export const warn = (step: StepId, measured: string, cause: string, fix?: string): StepResult => ({
  step,
  verdict: 'warn',
  measured,
  cause,
  ...(fix === undefined ? {} : { fix }),
});

export const fail = (step: StepId, measured: string, cause: string, fix: string): StepResult => ({
  step,
  verdict: 'fail',
  measured,
  cause,
  fix,
});

export function buildReport(url: string, client: string, steps: readonly StepResult[], notes: readonly string[] = []): DoctorReport {
  const firstFailure = steps.find((step) => step.verdict === 'fail');
  return { url, client, steps, ok: firstFailure === undefined, ...(firstFailure === undefined ? {} : { firstFailure }), ...(notes.length === 0 ? {} : { notes }) };
}
