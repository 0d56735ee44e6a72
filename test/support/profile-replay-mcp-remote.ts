import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * The real `mcp-remote` package (the stdio bridge of Desktop, Cursor and Windsurf configs) as a
 * child process, driven headlessly: the authorization URL it would open in a browser is read from
 * its stderr (it prints it before trying to open one), its config dir is a temporary folder, and
 * MCP is spoken over its stdin/stdout as newline-delimited JSON-RPC.
 */
export interface McpRemote {
  /** Resolves with the authorization URL mcp-remote asks the person to visit. */
  readonly authorizationUrl: Promise<string>;
  /** A JSON-RPC request over stdio; resolves with the response (result or error). */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  notify(method: string, params?: Record<string, unknown>): void;
  /** Everything it wrote to stderr so far (its log), for failure messages. */
  stderr(): string;
}

export interface McpRemoteOptions {
  /** The MCP URL, as pasted into a client config. */
  readonly url: string;
  /** CA file the child trusts (`NODE_EXTRA_CA_CERTS`). */
  readonly caFile: string;
  /** Fixed OAuth callback port (mcp-remote's positional argument). */
  readonly callbackPort: number;
  readonly extraArgs?: readonly string[];
}

const AUTHORIZE_PROMPT = /Please authorize this client by visiting:\s*\n(\S+)/;

/** The `mcp-remote` bin (dist/proxy.js) of the installed package. */
function proxyBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mcp-remote/package.json')), 'dist', 'proxy.js');
}

/** Rejects when the child exits, naming its exit code and log. */
function exitOf(child: ChildProcessWithoutNullStreams, log: () => string): Promise<never> {
  return once(child, 'exit').then(([code, signal]) => {
    throw new Error(`mcp-remote exited (${String(code ?? signal)}):\n${log()}`);
  });
}

function lineReader(child: ChildProcessWithoutNullStreams, onMessage: (message: Record<string, unknown>) => void): void {
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') onMessage(JSON.parse(line) as Record<string, unknown>);
      newline = buffered.indexOf('\n');
    }
  });
}

/**
 * Starts mcp-remote against `options.url`, stopped (SIGTERM, then awaited) after the test. A
 * `BROWSER` script that does nothing keeps the `open` helper from starting a real browser.
 */
export async function startMcpRemote(t: TestContext, options: McpRemoteOptions): Promise<McpRemote> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-mcp-remote-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const browser = join(dir, 'browser.sh');
  await writeFile(browser, '#!/bin/sh\nexit 0\n');
  await chmod(browser, 0o755);
  // Not a test process itself: without NODE_TEST_CONTEXT it never talks to the test runner.
  const inherited = { ...process.env };
  delete inherited['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, [proxyBin(), options.url, String(options.callbackPort), ...(options.extraArgs ?? [])], {
    env: { ...inherited, NODE_EXTRA_CA_CERTS: options.caFile, MCP_REMOTE_CONFIG_DIR: join(dir, 'config'), BROWSER: browser, DISPLAY: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = exitOf(child, () => log);
  exited.catch(() => undefined);
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  });

  const authorizationUrl = new Promise<string>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const found = AUTHORIZE_PROMPT.exec(log)?.[1];
      if (found !== undefined) resolve(found);
    });
  });

  const pending = new Map<number, (message: Record<string, unknown>) => void>();
  lineReader(child, (message) => {
    const id = message['id'];
    if (typeof id === 'number' && 'method' in message === false) pending.get(id)?.(message);
  });
  let nextId = 1;
  const write = (message: Record<string, unknown>): void => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  };

  return {
    authorizationUrl: Promise.race([authorizationUrl, exited]),
    request(method, params = {}) {
      const id = nextId++;
      const answered = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve));
      write({ id, method, params });
      return Promise.race([answered, exited]);
    },
    notify(method, params = {}) {
      write({ method, params });
    },
    stderr: () => log,
  };
}
