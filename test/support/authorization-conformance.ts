import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { signInThroughBrowser } from './oauth-flow.js';

/**
 * Runs the conformance suite's `authorization` command (authorization-server checks) against a
 * running Keyway and plays the person at the browser: the suite prints the authorization URL and
 * waits for its own loopback callback; this script registers the suite's redirect URI, completes
 * consent and sign-in headlessly, and delivers the redirect to the suite's callback server.
 *
 * Usage (from tools/conformance/run.sh):
 *   KEYWAY_AUTHZ_CONFORMANCE=<origin> node authorization-conformance.js <node22> <suite.js> <port> <output dir>
 */
async function registerSuiteClient(origin: string, port: number): Promise<string> {
  const response = await fetch(new URL('/register', origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'MCP conformance suite', redirect_uris: [`http://127.0.0.1:${port}/callback`], token_endpoint_auth_method: 'none' }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { client_id: string }).client_id;
}

async function run(origin: string, [node22, suite, portText, output]: string[]): Promise<number> {
  if (node22 === undefined || suite === undefined || portText === undefined || output === undefined) throw new Error('usage: <node22> <suite.js> <port> <output dir>');
  const port = Number(portText);
  const clientId = await registerSuiteClient(origin, port);
  const args = [suite, 'authorization', '--url', origin, '--client-id', clientId, '--resource', `${origin}/mcp`, '--port', String(port), '--output-dir', output];
  const child = spawn(node22, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  const authorizePrefix = `${origin}/authorize?`;
  for await (const line of createInterface({ input: child.stdout })) {
    process.stdout.write(`${line}\n`);
    if (!line.startsWith(authorizePrefix)) continue;
    const back = await signInThroughBrowser(line, 'conformance');
    const delivered = await fetch(back);
    process.stdout.write(`(keyway runner: signed in and delivered the callback, ${delivered.status})\n`);
  }
  return exited;
}

const origin = process.env['KEYWAY_AUTHZ_CONFORMANCE'];
if (origin !== undefined && origin !== '') {
  run(origin, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`authorization conformance: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
