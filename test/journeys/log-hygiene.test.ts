import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startKeyway } from '../support/keyway.js';
import { location, scriptedClient } from './scripted-client.js';

/** The journey line carries client ids, redirect hosts and addresses, never a credential. */
test('a journey log line holds no token, code, verifier, state, cookie or client secret', async (t) => {
  const keyway = await startKeyway(t, { KEYWAY_TRUST_PROXY: '127.0.0.1' });
  const { origin } = keyway;
  const client = scriptedClient(origin, '203.0.113.9');
  await client.probe();
  await client.metadata();
  const clientId = await client.register();
  const page = await (await client.authorize(clientId)).text();
  const callbackUrl = await client.signIn(location(await client.consent(page, 'approve'), origin));
  const cookies = client.jar.names().map((name) => client.jar.get(name)?.value ?? '');
  const back = new URL(location(await client.callback(callbackUrl), origin));
  const code = back.searchParams.get('code') ?? '';
  const tokens = (await (await client.token(clientId, code)).json()) as { access_token: string; refresh_token: string };
  assert.equal((await client.mcp(tokens.access_token)).status, 200);
  await keyway.running.stop();

  const lines = keyway.logs.filter((line) => line['event'] === 'keyway.journey');
  assert.equal(lines.length, 1);
  const text = JSON.stringify(lines[0]);
  const upstreamState = new URL(callbackUrl).searchParams.get('state') ?? '';
  const secrets = [tokens.access_token, tokens.refresh_token, code, client.pkce.verifier, client.pkce.challenge, upstreamState, 'scripted-state', ...cookies];
  assert.equal(secrets.filter((secret) => secret.length < 8).length, 0, 'every secret under test is real');
  for (const secret of secrets) assert.ok(!text.includes(secret), `the journey line leaks ${secret.slice(0, 12)}…`);
  assert.ok(!/kw_(at|rt|ac|cs)_|Bearer|cookie/i.test(text), text);
  assert.ok(text.includes(clientId), 'the client id is kept');
  assert.ok(text.includes('https://client.example'), 'the redirect host is kept');
});
