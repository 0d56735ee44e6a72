import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { createSha256Hasher } from '../../src/adapters/crypto/hasher.js';
import type { HttpContext } from '../../src/adapters/http/types.js';
import { loadConfig } from '../../src/app/config.js';
import { createApp } from '../../src/app/container.js';
import { TOKENS } from '../../src/app/tokens.js';
import type { Logger } from '../../src/domain/ports/logger.js';
import { obtainTokens } from '../../test/support/oauth-flow.js';
import { freshDataDir, keywayEnv } from '../lib/keyway.js';
import { freePort } from '../lib/proc.js';
import { median } from '../lib/stats.js';

/**
 * In-process micro-benchmark of authentication, on the real SQLite store with a real token:
 * the SHA-256 of the token, the store lookup, `verifyAccessToken` (both plus the checks), and the
 * whole gate the pipeline runs (header parsing, verification, scope, per-user rate limit) on a
 * fresh `IncomingMessage` per call, minus the cost of building that message. Run as its own
 * process (`node gate-micro.js`); prints one JSON object.
 */
export interface MicroResult {
  readonly name: string;
  readonly nsPerOp: number;
}

const ROUND_MS = 600;
const ROUNDS = 3;

async function timeRound(op: () => unknown): Promise<number> {
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(ROUND_MS) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 200; i += 1) await op();
    count += 200;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / count;
}

async function measure(name: string, op: () => unknown): Promise<MicroResult> {
  await timeRound(op);
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) rounds.push(await timeRound(op));
  return { name, nsPerOp: median(rounds) };
}

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

/** A parsed request as node:http's parser builds it for `POST /mcp` with the headers a client sends. */
function incoming(token: string, host: string): IncomingMessage {
  const req = new IncomingMessage(new Socket()) as IncomingMessage & { _addHeaderLines(headers: string[], count: number): void };
  req.method = 'POST';
  req.url = '/mcp';
  const raw = ['Host', host, 'Content-Type', 'application/json', 'Accept', 'application/json, text/event-stream', 'MCP-Protocol-Version', '2026-07-28', 'Authorization', `Bearer ${token}`];
  // What the HTTP parser calls with the header lines it read; `headers` and `headersDistinct` derive from them lazily.
  req._addHeaderLines(raw, raw.length);
  return req;
}

async function main(): Promise<void> {
  const port = await freePort();
  const dataDir = freshDataDir();
  const app = await createApp(loadConfig(keywayEnv(port, dataDir)), () => undefined);
  const running = await app.start();
  try {
    const origin = `http://127.0.0.1:${port}`;
    const { access_token: token } = await obtainTokens(origin, 'bench');
    const oauth = app.container.resolve(TOKENS.oauth);
    const hasher = createSha256Hasher();
    const hash = hasher.hash(token);
    const now = Math.floor(Date.now() / 1000);
    const url = new URL('/mcp', origin);
    const context = (): HttpContext => ({ req: incoming(token, `127.0.0.1:${port}`), res: {} as ServerResponse, url, requestId: 'bench', logger: silent, signal: new AbortController().signal });
    const principal = await oauth.gate(context());
    if (principal === undefined) throw new Error('the gate refused a fresh token');
    const results = [
      await measure('sha256', () => hasher.hash(token)),
      await measure('store_lookup', () => oauth.stores.grants.findAccessToken(hash, now)),
      await measure('verify', () => oauth.tokens.verifyAccessToken(token)),
      await measure('message_only', () => context()),
      await measure('gate_with_message', () => oauth.gate(context())),
    ];
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
