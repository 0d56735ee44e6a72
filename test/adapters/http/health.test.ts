import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthRoutes } from '../../../src/adapters/http/health.js';
import { createLifecycle } from '../../../src/adapters/http/lifecycle.js';
import { startHttpApp } from '../../support/http-app.js';

/** Readiness as the composition root builds it: ready once the MCP side has loaded and while not draining. */
function readinessWith(loaded: () => boolean) {
  const lifecycle = createLifecycle();
  return { lifecycle, readiness: { ...lifecycle, isReady: () => loaded() && lifecycle.isReady() } };
}

async function readyz(origin: string): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
  const response = await fetch(new URL('/readyz', origin));
  return { status: response.status, body: await response.json(), retryAfter: response.headers.get('retry-after') };
}

test('/readyz says starting while the MCP side loads, ready once loaded, draining once shutdown starts', async (t) => {
  let loaded = false;
  const { lifecycle, readiness } = readinessWith(() => loaded);
  const { origin } = await startHttpApp(t, healthRoutes(readiness));
  assert.deepEqual(await readyz(origin), { status: 503, body: { status: 'starting' }, retryAfter: '5' });
  loaded = true;
  assert.deepEqual(await readyz(origin), { status: 200, body: { status: 'ready' }, retryAfter: null });
  lifecycle.drain();
  assert.deepEqual(await readyz(origin), { status: 503, body: { status: 'draining' }, retryAfter: '5' });
});

test('/readyz says draining, not starting, when shutdown starts before the MCP side has loaded', async (t) => {
  const { lifecycle, readiness } = readinessWith(() => false);
  const { origin } = await startHttpApp(t, healthRoutes(readiness));
  lifecycle.drain();
  assert.deepEqual(await readyz(origin), { status: 503, body: { status: 'draining' }, retryAfter: '5' });
});
