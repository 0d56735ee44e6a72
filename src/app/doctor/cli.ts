import { readFile } from 'node:fs/promises';
import { createNodeProbe } from '../../adapters/doctor/node-probe.js';
import { createSignIn } from '../../adapters/doctor/sign-in.js';
import type { DoctorPorts } from '../../domain/doctor/context.js';
import { runDoctor } from '../../domain/doctor/run.js';
import type { DoctorReport } from '../../domain/doctor/report.js';
import { DOCTOR_USAGE, parseDoctorArgs, UsageError, type DoctorCommand } from './args.js';
import { printable, renderJson, renderStep, renderSummary } from './render.js';

/** `keyway doctor`: wiring, arguments and output. Exit status 0 only when no step fails; 2 for bad usage. */
export interface DoctorIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Replaces the browser for `--login` (tests). */
  readonly openBrowser?: (url: string) => Promise<void>;
}

export interface DoctorOutcome {
  readonly exitCode: number;
  readonly report?: DoctorReport;
}

export async function runDoctorCommand(argv: readonly string[], io: DoctorIo): Promise<DoctorOutcome> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return { exitCode: 0 };
  }
  let command: DoctorCommand;
  let caPem: string | undefined;
  try {
    command = parseDoctorArgs(argv, io.env);
    const caFile = command.caFile;
    caPem = caFile === undefined ? undefined : await readFile(caFile, 'utf8').catch(() => {
      throw new UsageError(`--ca-file ${caFile} cannot be read`);
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`keyway doctor: ${error.message}\n${DOCTOR_USAGE}\n`);
    return { exitCode: 2 };
  }
  const ports: DoctorPorts = {
    probe: createNodeProbe(caPem === undefined ? {} : { caPem }),
    signIn: createSignIn({ write: (text) => io.stderr(`${text}\n`), ...(io.env['BROWSER'] === undefined ? {} : { browser: io.env['BROWSER'] }), ...(io.openBrowser === undefined ? {} : { open: io.openBrowser }) }),
  };
  const { options, json } = command;
  if (!json) io.stdout(`keyway doctor ${printable(options.url)} as ${options.profile.displayName}\n\n`);
  const report = await runDoctor(options, ports, (result) => {
    if (!json) io.stdout(`${renderStep(result)}\n`);
  });
  io.stdout(json ? `${renderJson(report)}\n` : `${renderSummary(report)}\n`);
  return { exitCode: report.ok ? 0 : 1, report };
}

/** Entry point for src/main.ts. */
export async function doctorMain(argv: readonly string[]): Promise<number> {
  // `keyway doctor … | head` closes the pipe early; that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const outcome = await runDoctorCommand(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  });
  return outcome.exitCode;
}
