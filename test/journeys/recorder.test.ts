import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startKeyway } from '../support/keyway.js';
import { scriptedClient } from './scripted-client.js';

/** What the HTTP recorder turns into steps, through a real Keyway (docs/journeys.md). */
type Line = Record<string, unknown>;

const ADDRESS = '203.0.113.20';

test('/authorize naming clients Keyway does not know joins the address\'s one journey, bounded, instead of opening one journey per request', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_TRUST_PROXY: '127.0.0.1' });
  await scriptedClient(keyway.origin, ADDRESS).probe();
  const requests = 40;
  for (let i = 0; i < requests; i += 1) {
    const url = new URL('/authorize', keyway.origin);
    url.searchParams.set('client_id', `unknown-${i}`);
    url.searchParams.set('redirect_uri', `https://h${i}.example/cb`);
    const response = await fetch(url, { headers: { 'x-forwarded-for': ADDRESS }, redirect: 'manual' });
    assert.equal(response.status, 400);
    await response.arrayBuffer();
  }
  await keyway.running.stop();
  const journeys = keyway.logs.filter((line) => line['event'] === 'keyway.journey');
  assert.equal(journeys.length, 1, JSON.stringify(journeys.map((line) => line['clientIds'])));
  const [journey] = journeys as [Line];
  assert.equal(journey['stopped'], 'authorize refused (unknown_client)');
  assert.deepEqual(journey['clientIds'], []);
  assert.equal(journey['address'], ADDRESS);
  assert.deepEqual(journey['redirectHosts'], ['https://h0.example', 'https://h1.example', 'https://h2.example', 'https://h3.example']);
  assert.deepEqual(journey['overflow'], { clientIds: 0, browsers: requests - 4, redirectHosts: requests - 4 });
  assert.equal((journey['steps'] as string[]).length, 1 + requests);
});

test('/token naming clients that fail authentication joins the address\'s one journey instead of opening one journey per request', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_TRUST_PROXY: '127.0.0.1' });
  await scriptedClient(keyway.origin, ADDRESS).probe();
  const requests = 30;
  for (let i = 0; i < requests; i += 1) {
    const response = await fetch(new URL('/token', keyway.origin), {
      method: 'POST',
      headers: { 'x-forwarded-for': ADDRESS, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'kw_rt_nothing', client_id: `unknown-${i}` }).toString(),
    });
    assert.equal(response.status, 401);
    await response.arrayBuffer();
  }
  await keyway.running.stop();
  const journeys = keyway.logs.filter((line) => line['event'] === 'keyway.journey');
  assert.equal(journeys.length, 1, JSON.stringify(journeys.map((line) => line['clientIds'])));
  assert.deepEqual(journeys[0]?.['clientIds'], []);
  assert.equal(journeys[0]?.['address'], ADDRESS);
});

test('only the real method of a route is a step: HEAD of metadata or /authorize, and preflights, are not', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_TRUST_PROXY: '127.0.0.1' });
  const { origin } = keyway;
  await scriptedClient(origin, ADDRESS).probe();
  const asClient = { 'x-forwarded-for': ADDRESS };
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/authorize?client_id=someone&redirect_uri=https%3A%2F%2Fh.example%2Fcb']) {
    const response = await fetch(`${origin}${path}`, { method: 'HEAD', headers: asClient, redirect: 'manual' });
    assert.ok(response.status !== 404 && response.status !== 405, `HEAD ${path} answered ${response.status}`);
  }
  for (const path of ['/register', '/token']) {
    const response = await fetch(`${origin}${path}`, { method: 'OPTIONS', headers: { ...asClient, origin, 'access-control-request-method': 'POST' } });
    assert.equal(response.status, 204);
  }
  await keyway.running.stop();
  const journeys = keyway.logs.filter((line) => line['event'] === 'keyway.journey');
  assert.equal(journeys.length, 1);
  assert.deepEqual((journeys[0]?.['steps'] as string[]).map((step) => step.split(' ')[1]), ['probe']);
  assert.equal(journeys[0]?.['verdict'], 'probed');
});
