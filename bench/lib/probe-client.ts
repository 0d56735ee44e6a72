import type { ChildProcess } from 'node:child_process';
import { startKeyway, type KeywayProcess } from './keyway.js';
import { serverScript } from './paths.js';
import { freePort, spawnServer, waitForStatus, type ServerProcess } from './proc.js';

/**
 * The runner's side of servers/probe.ts: a Keyway started with the probe preloaded and an IPC
 * channel, and the two questions it answers (memory after GC, a heap snapshot).
 */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

function ask<T>(child: ChildProcess, request: Record<string, unknown>, pick: (message: Record<string, unknown>) => T | undefined, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`probe did not answer ${String(request['type'])}`));
    }, timeoutMs);
    const onMessage = (message: Record<string, unknown>): void => {
      if (message['type'] !== request['type']) return;
      const value = pick(message);
      if (value === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

export function probeMemory(child: ChildProcess): Promise<Memory> {
  return ask(child, { type: 'memory' }, (message) => message['usage'] as Memory | undefined);
}

export function probeSnapshot(child: ChildProcess, path: string): Promise<string> {
  return ask(child, { type: 'snapshot', path }, (message) => (typeof message['path'] === 'string' ? message['path'] : undefined));
}

const PROBED = ['--expose-gc', '--import', serverScript('probe')];

/** The hand-written reference SSE server (servers/lean-sse.ts) with the probe; its token is unused. */
export async function startProbedLeanSse(heartbeatSeconds: number): Promise<ServerProcess & { readonly token: string }> {
  const port = await freePort();
  const server = spawnServer({
    name: 'lean node:http SSE',
    args: [...PROBED, serverScript('lean-sse'), String(port), String(heartbeatSeconds)],
    port,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await waitForStatus(server, server.origin, { method: 'POST' }, 405);
  return { ...server, token: 'unused' };
}

/** Keyway with the probe, a heartbeat of `heartbeatSeconds`, and session caps above `streams`. */
export function startProbedKeyway(streams: number, heartbeatSeconds: number): Promise<KeywayProcess> {
  return startKeyway({
    name: 'keyway',
    nodeFlags: PROBED,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      KEYWAY_SSE_HEARTBEAT_SECONDS: String(heartbeatSeconds),
      KEYWAY_MAX_SESSIONS: String(streams + 1000),
      KEYWAY_MAX_SESSIONS_PER_USER: String(streams + 1000),
    },
  });
}
