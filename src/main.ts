#!/usr/bin/env node
import { ConfigError, loadConfig } from './app/config.js';
import { createApp } from './app/container.js';
import type { RunningServer } from './adapters/http/server.js';

/**
 * `node dist/main.js [serve]`: start Keyway on the configuration in the environment.
 * A configuration error prints one line naming the variable and exits 1; SIGTERM/SIGINT drain
 * gracefully and exit 0.
 */
const USAGE = `usage: keyway [serve]
       keyway journeys [--limit N] [--json]
       keyway doctor <url> [--client <id>] [--token <t> | --login] [--json] (see keyway doctor --help)

Starts the Keyway MCP server. Configuration comes from KEYWAY_* environment variables (see README).
\`journeys\` lists recent connect journeys and where each stopped (docs/journeys.md).
\`doctor\` replays a client's connect against any MCP URL and names the first step that fails (docs/doctor.md).`;

function log(event: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', event, ...fields })}\n`);
}

interface Starting {
  readonly running: Promise<RunningServer>;
  /** Whether a signal has asked the process to stop. */
  stopping(): boolean;
}

/**
 * Runs `start` with SIGTERM/SIGINT already handled: the app is built (the configuration checked),
 * the listener opened, then the rest loaded behind it (the store opened and migrated, the
 * authorization server, the MCP side), and an orchestrator may signal at any point of that; without
 * a handler the signal would kill the process mid-start instead of draining it. A signal that arrives then waits for start-up to settle, then stops; a start-up that fails is
 * reported by `main` instead.
 */
function startStoppable(start: () => Promise<RunningServer>): Starting {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log('keyway.stopping', { signal });
    running.then(
      (server) =>
        server.stop().then(
          (clean) => {
            log('keyway.stopped', { clean });
            process.exit(0);
          },
          (error: unknown) => {
            process.stderr.write(`keyway: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(1);
          },
        ),
      () => undefined,
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Declared after the handlers on purpose; they run from the event loop, once it is assigned.
  const running = start();
  return { running, stopping: () => stopping };
}

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const starting = startStoppable(async () => (await createApp(config)).start());
  const running = await starting.running;
  if (starting.stopping()) return;
  log('keyway.started', {
    address: `${running.address.address}:${running.address.port}`,
    publicUrl: config.publicUrl.origin,
    mcp: `${config.publicUrl.origin}/mcp`,
    sse: `${config.publicUrl.origin}/sse`,
    sessions: config.mcpSessions,
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'journeys') {
    const { journeysCommand } = await import('./app/journeys-cli.js');
    const print = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
    process.exitCode = await journeysCommand(argv.slice(1), process.env, { out: print(process.stdout), err: print(process.stderr) });
    return;
  }
  if (command === 'doctor') {
    const { doctorMain } = await import('./app/doctor/cli.js');
    process.exitCode = await doctorMain(argv.slice(1));
    return;
  }
  if (command !== 'serve') {
    process.stderr.write(`keyway: unknown command '${command}'\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  await serve();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`keyway: configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(`keyway: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
