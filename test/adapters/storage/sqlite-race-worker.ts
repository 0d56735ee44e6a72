import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openSqliteStores } from '../../../src/adapters/storage/sqlite/sqlite-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import type { AccessToken, RefreshToken } from '../../../src/domain/tokens/token.js';

/**
 * A racer for sqlite-races.test.ts: its own thread, its own connection to the shared database file.
 * On a job it answers `ready`, blocks until the test opens the gate for that round (so all racers
 * start together), runs the job and answers with the outcome. Loaded as a plain file by the test
 * runner too, where it does nothing.
 */
export type RaceJob =
  | { readonly round: number; readonly op: 'consumeCode'; readonly hash: string; readonly now: number }
  | { readonly round: number; readonly op: 'take'; readonly id: string; readonly now: number }
  | {
      readonly round: number;
      readonly op: 'rotate';
      readonly oldHash: string;
      readonly successor: RefreshToken;
      readonly access: AccessToken;
      readonly now: number;
    };

export type RaceMessage = { readonly type: 'ready' } | { readonly type: 'result'; readonly outcome: string };

export interface RacerData {
  readonly path: string;
  /** Int32 gate: the number of the round racers may start. */
  readonly gate: SharedArrayBuffer;
}

async function run(stores: Stores, job: RaceJob): Promise<string> {
  switch (job.op) {
    case 'consumeCode':
      return (await stores.grants.consumeCode(job.hash, job.now)).kind;
    case 'take':
      return (await stores.flows.take('upstream_state', job.id, job.now)) ?? 'nothing';
    case 'rotate':
      return (await stores.grants.rotateRefreshToken(job.oldHash, job.successor, job.access, `pair-${job.successor.tokenHash}`, job.now)).kind;
  }
}

function serve(port: NonNullable<typeof parentPort>, data: RacerData): void {
  const stores = openSqliteStores(data.path);
  const gate = new Int32Array(data.gate);
  port.on('message', (job: RaceJob | 'stop') => {
    if (job === 'stop') {
      void stores.close().then(() => port.close());
      return;
    }
    port.postMessage({ type: 'ready' } satisfies RaceMessage);
    Atomics.wait(gate, 0, job.round - 1);
    void run(stores, job).then(
      (outcome) => port.postMessage({ type: 'result', outcome } satisfies RaceMessage),
      (error: unknown) => port.postMessage({ type: 'result', outcome: `error: ${String(error)}` } satisfies RaceMessage),
    );
  });
}

if (!isMainThread && parentPort !== null) serve(parentPort, workerData as RacerData);
