import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { healthRoutes } from '../../../src/adapters/http/health.js';
import { createLifecycle } from '../../../src/adapters/http/lifecycle.js';
import type { HttpContext } from '../../../src/adapters/http/types.js';

/** A response double that records what a handler wrote (the handler only calls writeHead/end). */
function recorder(): { res: ServerResponse; status: () => number; body: () => unknown } {
  let status = 0;
  let body = '';
  const res = {
    headersSent: false,
    writableEnded: false,
    writeHead(code: number) {
      status = code;
      return res;
    },
    end(text: string) {
      body = text;
    },
  };
  return { res: res as unknown as ServerResponse, status: () => status, body: () => JSON.parse(body) as unknown };
}

async function readiness(lifecycle: ReturnType<typeof createLifecycle>): Promise<number> {
  const route = healthRoutes(lifecycle).find((candidate) => candidate.path === '/readyz');
  assert.ok(route !== undefined);
  const { res, status } = recorder();
  await route.handler({ res } as HttpContext);
  return status();
}

test('readiness fails the moment draining starts; liveness does not', async () => {
  const lifecycle = createLifecycle();
  assert.equal(await readiness(lifecycle), 200);
  lifecycle.drain();
  assert.equal(await readiness(lifecycle), 503);
  const live = healthRoutes(lifecycle).find((route) => route.path === '/healthz');
  const { res, status } = recorder();
  await live?.handler({ res } as HttpContext);
  assert.equal(status(), 200);
});

test('drain closes every tracked stream once; untracked streams are left alone', () => {
  const lifecycle = createLifecycle();
  const closed: string[] = [];
  lifecycle.trackStream(() => closed.push('a'));
  const untrack = lifecycle.trackStream(() => closed.push('b'));
  untrack();
  assert.equal(lifecycle.openStreams(), 1);
  lifecycle.drain();
  lifecycle.drain();
  assert.deepEqual(closed, ['a']);
});

test('a stream opened while draining is closed at once', () => {
  const lifecycle = createLifecycle();
  lifecycle.drain();
  let closed = false;
  lifecycle.trackStream(() => (closed = true));
  assert.equal(closed, true);
  assert.equal(lifecycle.isDraining(), true);
});
