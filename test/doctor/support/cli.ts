import { runDoctorCommand, type DoctorOutcome } from '../../../src/app/doctor/cli.js';

/** Runs `keyway doctor` in-process and collects its standard output. */
export async function doctorCli(argv: readonly string[], openBrowser?: (url: string) => Promise<void>, env: Readonly<Record<string, string>> = {}): Promise<DoctorOutcome & { stdout: string }> {
  let stdout = '';
  const outcome = await runDoctorCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    env,
    ...(openBrowser === undefined ? {} : { openBrowser }),
  });
  return { ...outcome, stdout };
}
