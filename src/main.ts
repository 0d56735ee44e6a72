#!/usr/bin/env node
import { ConfigError, loadConfig } from './app/config.js';
import { createApp } from './app/container.js';

/**
 * `node dist/main.js [serve]`: start Keyway on the configuration in the environment.
 * A configuration error prints one line naming the variable and exits 1; SIGTERM/SIGINT drain
 * gracefully and exit 0.
 */
const USAGE = `usage: keyway [serve]

Starts the Keyway MCP server. Configuration comes from KEYWAY_* environment variables (see README).`;

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  const running = await app.start();
  const log = (event: string, fields: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', event, ...fields })}\n`);
  };
  log('keyway.started', {
    address: `${running.address.address}:${running.address.port}`,
    publicUrl: config.publicUrl.origin,
    mcp: `${config.publicUrl.origin}/mcp`,
    sse: `${config.publicUrl.origin}/sse`,
    sessions: config.mcpSessions,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log('keyway.stopping', { signal });
    running.stop().then(
      (clean) => {
        log('keyway.stopped', { clean });
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`keyway: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(argv: readonly string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
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
