import type { DoctorReport, StepResult } from '../../domain/doctor/report.js';

/** The doctor's report as text: one line per step, then the first failure and its fix. */
const width = 21;

/**
 * Measured values and causes quote the server (bodies, `Location`, headers): its control
 * characters (C0, DEL and C1, which hold the terminal's escape sequences) never reach the
 * terminal. The JSON report keeps them, escaped by JSON itself.
 */
export function printable(text: string): string {
  let kept = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code > 0x1f && (code < 0x7f || code > 0x9f)) kept += character;
  }
  return kept;
}

function line(result: StepResult): string {
  const head = `${result.verdict.padEnd(5)} ${result.step.padEnd(width)} ${printable(result.measured)}`;
  return result.verdict === 'warn' && result.cause !== undefined ? `${head}\n${' '.repeat(6 + width + 1)}↳ ${printable(result.cause)}` : head;
}

export function renderStep(result: StepResult): string {
  return line(result);
}

export function renderSummary(report: DoctorReport): string {
  const count = (verdict: string): number => report.steps.filter((step) => step.verdict === verdict).length;
  const failure = report.firstFailure;
  const notes = (report.notes ?? []).map((note) => `\nNote: ${printable(note)}`).join('');
  if (failure === undefined) return `\nNo failures: ${count('pass')} pass, ${count('warn')} warn, ${count('skip')} skipped.${notes}`;
  return `\nFirst failure: ${failure.step}\n  Cause: ${printable(failure.cause ?? '')}\n  Fix:   ${printable(failure.fix ?? '')}${notes}`;
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2);
}
