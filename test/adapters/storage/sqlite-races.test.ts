import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { openSqliteStores } from '../../../src/adapters/storage/sqlite/sqlite-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { aCode, aGrant, anAccessToken, aRefreshToken, NOW } from '../../contracts/fixtures.js';
import type { RaceJob, RaceMessage, RacerData } from './sqlite-race-worker.js';

/**
 * Races against the production engine with real parallelism: better-sqlite3 is synchronous, so
 * Promise.all in one thread would only ever run one caller at a time. Here four threads, each with
 * its own connection to one database file, start each round together behind a shared gate.
 */
const RACERS = 4;
const ROUNDS = 20;

interface Racer {
  readonly worker: Worker;
  readonly messages: RaceMessage[];
  readonly waiting: Array<() => void>;
}

function startRacer(data: RacerData): Racer {
  const worker = new Worker(new URL('./sqlite-race-worker.js', import.meta.url), { workerData: data });
  const racer: Racer = { worker, messages: [], waiting: [] };
  worker.on('message', (message: RaceMessage) => {
    racer.messages.push(message);
    racer.waiting.shift()?.();
  });
  return racer;
}

async function next(racer: Racer): Promise<RaceMessage> {
  if (racer.messages.length === 0) await new Promise<void>((resolve) => racer.waiting.push(resolve));
  const message = racer.messages.shift();
  assert.ok(message);
  return message;
}

describe('SQLite races across threads (production engine)', () => {
  let dir = '';
  let stores: Stores;
  let racers: Racer[] = [];
  let gate: Int32Array;
  let round = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyway-races-'));
    const data: RacerData = { path: join(dir, 'keyway.db'), gate: new SharedArrayBuffer(4) };
    stores = openSqliteStores(data.path);
    gate = new Int32Array(data.gate);
    racers = Array.from({ length: RACERS }, () => startRacer(data));
  });

  after(async () => {
    await Promise.all(
      racers.map(async ({ worker }) => {
        const exited = once(worker, 'exit');
        worker.postMessage('stop');
        await exited;
      }),
    );
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One round: every racer gets the job, says ready, and all are released at once. */
  async function race(job: (index: number) => Omit<RaceJob, 'round'>): Promise<string[]> {
    round += 1;
    racers.forEach((racer, index) => racer.worker.postMessage({ ...job(index), round }));
    for (const racer of racers) assert.deepEqual(await next(racer), { type: 'ready' });
    Atomics.store(gate, 0, round);
    Atomics.notify(gate, 0);
    const results = await Promise.all(racers.map((racer) => next(racer)));
    return results.map((message) => (message.type === 'result' ? message.outcome : 'no result'));
  }

  const tally = (outcomes: readonly string[]): Record<string, number> =>
    outcomes.reduce<Record<string, number>>((counts, outcome) => ({ ...counts, [outcome]: (counts[outcome] ?? 0) + 1 }), {});

  test(`F6 L6 ${RACERS} threads redeem one code, ${ROUNDS} times: exactly one redeems each time`, async () => {
    for (let i = 0; i < ROUNDS; i += 1) {
      const grant = aGrant();
      await stores.grants.createGrant(grant);
      const code = aCode(grant);
      await stores.grants.saveCode(code);
      const outcomes = await race(() => ({ op: 'consumeCode', hash: code.codeHash, now: NOW }));
      assert.deepEqual(tally(outcomes), { redeemed: 1, replayed: RACERS - 1 }, `round ${i}`);
    }
  });

  test(`G4 L6 ${RACERS} threads rotate one refresh token, ${ROUNDS} times: exactly one rotates, one family survives`, async () => {
    for (let i = 0; i < ROUNDS; i += 1) {
      const grant = aGrant();
      await stores.grants.createGrant(grant);
      const old = aRefreshToken(grant);
      await stores.grants.saveRefreshToken(old);
      const successors = Array.from({ length: RACERS }, () => aRefreshToken(grant));
      const outcomes = await race((index) => ({
        op: 'rotate',
        oldHash: old.tokenHash,
        successor: successors[index] ?? aRefreshToken(grant),
        access: anAccessToken(grant),
        now: NOW,
      }));
      assert.deepEqual(tally(outcomes), { rotated: 1, already_rotated: RACERS - 1 }, `round ${i}`);
      const winner = successors[outcomes.indexOf('rotated')];
      assert.equal((await stores.grants.findRefreshToken(old.tokenHash))?.successorHash, winner?.tokenHash);
      const minted = await Promise.all(successors.map((successor) => stores.grants.findRefreshToken(successor.tokenHash)));
      assert.equal(minted.filter((token) => token !== undefined).length, 1, `round ${i}`);
    }
  });

  test(`E1 F12 ${RACERS} threads take one upstream state, ${ROUNDS} times: exactly one gets it`, async () => {
    for (let i = 0; i < ROUNDS; i += 1) {
      const id = `state-${i}`;
      await stores.flows.put('upstream_state', id, `payload-${i}`, NOW + 600);
      const outcomes = await race(() => ({ op: 'take', id, now: NOW }));
      assert.deepEqual(tally(outcomes), { [`payload-${i}`]: 1, nothing: RACERS - 1 }, `round ${i}`);
    }
  });
});
