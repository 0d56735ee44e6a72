import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startKeyway } from '../support/keyway.js';
import { location, scriptedClient, type ScriptedClient } from './scripted-client.js';

/**
 * Each stopping point of a connect attempt, produced by a scripted client against a real Keyway:
 * the attempt must leave exactly one journey with the verdict naming where it stopped. Attempts
 * that do not connect end when Keyway shuts down (the idle timeout would end them the same way).
 */
type Line = Record<string, unknown>;

async function journeysOf(t: TestContext, script: (client: ScriptedClient, origin: string) => Promise<void>): Promise<{ journeys: Line[]; logs: Line[] }> {
  const keyway = await startKeyway(t, { KEYWAY_TRUST_PROXY: '127.0.0.1' });
  await script(scriptedClient(keyway.origin, '203.0.113.7'), keyway.origin);
  await keyway.running.stop();
  return { journeys: keyway.logs.filter((line) => line['event'] === 'keyway.journey'), logs: keyway.logs };
}

async function onlyJourney(t: TestContext, script: (client: ScriptedClient, origin: string) => Promise<void>): Promise<Line> {
  const { journeys } = await journeysOf(t, script);
  assert.equal(journeys.length, 1, `one journey expected, got ${JSON.stringify(journeys, null, 1)}`);
  const [journey] = journeys;
  assert.ok(journey);
  return journey;
}

/** Probe, metadata, registration twice (as Claude does), then the consent page: the usual way in. */
async function upToConsent(client: ScriptedClient): Promise<{ clientId: string; page: string }> {
  await client.probe();
  await client.metadata();
  await client.register();
  const clientId = await client.register();
  const consent = await client.authorize(clientId);
  assert.equal(consent.status, 200);
  return { clientId, page: await consent.text() };
}

async function upToCode(client: ScriptedClient, origin: string): Promise<{ clientId: string; code: string }> {
  const { clientId, page } = await upToConsent(client);
  const callbackUrl = await client.signIn(location(await client.consent(page, 'approve'), origin));
  const back = new URL(location(await client.callback(callbackUrl), origin));
  const code = back.searchParams.get('code');
  assert.ok(code !== null);
  return { clientId, code };
}

test('a probe alone: "probed, never fetched metadata"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    assert.equal((await client.probe()).status, 401);
  });
  assert.equal(journey['verdict'], 'probed');
  assert.equal(journey['stopped'], 'probed, never fetched metadata');
  assert.equal(journey['address'], '203.0.113.7');
});

test('metadata fetched, no registration: "fetched metadata, never registered"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    await client.probe();
    await client.metadata();
  });
  assert.equal(journey['verdict'], 'metadata_only');
});

test('registered twice about a second apart: one journey with both client ids, "registered, never called /authorize"', async (t) => {
  const ids: string[] = [];
  const journey = await onlyJourney(t, async (client) => {
    await client.probe();
    await client.metadata();
    ids.push(await client.register(), await client.register());
  });
  assert.equal(journey['verdict'], 'registered');
  assert.equal(journey['stopped'], 'registered, never called /authorize');
  assert.deepEqual(journey['clientIds'], ids);
});

test('an unregistered redirect URI: "redirect URI not registered"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    await client.probe();
    await client.metadata();
    const clientId = await client.register();
    assert.equal((await client.authorize(clientId, 'https://elsewhere.example/callback')).status, 400);
  });
  assert.equal(journey['verdict'], 'redirect_uri_not_registered');
  assert.equal(journey['stopped'], 'redirect URI not registered');
  assert.deepEqual(journey['redirectHosts'], ['https://elsewhere.example']);
});

test('consent page shown, never answered: "authorize shown, consent never given"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    await upToConsent(client);
  });
  assert.equal(journey['verdict'], 'consent_pending');
  assert.equal(journey['stopped'], 'authorize shown, consent never given');
});

test('consent denied: "consent denied by the user"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    const { page } = await upToConsent(client);
    assert.equal((await client.consent(page, 'deny')).status, 302);
  });
  assert.equal(journey['verdict'], 'consent_denied');
});

test('consent given, the browser never came back from sign-in: "consent given, sign-in never completed"', async (t) => {
  const journey = await onlyJourney(t, async (client) => {
    const { page } = await upToConsent(client);
    assert.equal((await client.consent(page, 'approve')).status, 303);
  });
  assert.equal(journey['verdict'], 'sign_in_pending');
  assert.equal(journey['stopped'], 'consent given, sign-in never completed');
});

test('a registration Keyway refuses: "registration refused (invalid_redirect_uri)"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    await client.probe();
    const response = await fetch(`${origin}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client.address },
      body: JSON.stringify({ redirect_uris: ['evil-scheme://callback'], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(response.status, 400);
  });
  assert.equal(journey['verdict'], 'registration_refused');
  assert.equal(journey['stopped'], 'registration refused (invalid_redirect_uri)');
});

test('signed in upstream, the callback refused (the browser lost its state cookie): "callback failed"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    const { page } = await upToConsent(client);
    const callbackUrl = await client.signIn(location(await client.consent(page, 'approve'), origin));
    assert.equal((await client.callback(callbackUrl, { dropState: true })).status, 403);
  });
  assert.equal(journey['verdict'], 'callback_failed');
  assert.equal(journey['stopped'], 'signed in upstream, callback failed (other_browser)');
});

test('sign-in cancelled upstream: the callback sends access_denied, "callback failed (access_denied)"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    const { page } = await upToConsent(client);
    const callbackUrl = await client.signIn(location(await client.consent(page, 'approve'), origin), 'cancel');
    assert.equal((await client.callback(callbackUrl)).status, 302);
  });
  assert.equal(journey['stopped'], 'signed in upstream, callback failed (access_denied)');
});

test('authorized, /token never called: "authorized, never called /token — a firewall in front?"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    await upToCode(client, origin);
  });
  assert.equal(journey['verdict'], 'token_missing');
  assert.equal(journey['stopped'], 'authorized, never called /token — a firewall in front?');
});

test('token refused (a wrong PKCE verifier): "token refused (invalid_grant)"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    const { clientId, code } = await upToCode(client, origin);
    assert.equal((await client.token(clientId, code, 'x'.repeat(43))).status, 400);
  });
  assert.equal(journey['verdict'], 'token_refused');
  assert.equal(journey['stopped'], 'token refused (invalid_grant)');
});

test('token issued, no MCP request: "token issued, no MCP request followed"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    const { clientId, code } = await upToCode(client, origin);
    assert.equal((await client.token(clientId, code)).status, 200);
  });
  assert.equal(journey['verdict'], 'mcp_missing');
});

test('token issued, the MCP request refused for its token: "token issued, MCP request refused (invalid_token)"', async (t) => {
  const journey = await onlyJourney(t, async (client, origin) => {
    const { clientId, code } = await upToCode(client, origin);
    assert.equal((await client.token(clientId, code)).status, 200);
    assert.equal((await client.mcp('kw_at_not-a-live-token')).status, 401);
  });
  assert.equal(journey['verdict'], 'mcp_refused');
  assert.equal(journey['stopped'], 'token issued, MCP request refused (invalid_token)');
});

test('the first authenticated MCP request succeeds: "connected", ended at once, later requests add nothing', async (t) => {
  const { journeys } = await journeysOf(t, async (client, origin) => {
    const { clientId, code } = await upToCode(client, origin);
    const { access_token: accessToken } = (await (await client.token(clientId, code)).json()) as { access_token: string };
    for (let i = 0; i < 3; i += 1) assert.equal((await client.mcp(accessToken)).status, 200);
  });
  assert.equal(journeys.length, 1);
  const [journey] = journeys;
  assert.equal(journey?.['verdict'], 'connected');
  assert.equal(journey?.['end'], 'connected');
  const steps = journey?.['steps'] as string[];
  assert.deepEqual(
    steps.map((step) => step.split(' ')[1]),
    ['probe', 'metadata', 'metadata', 'register', 'register', 'authorize', 'consent', 'sign_in', 'sign_in', 'callback', 'token', 'mcp'],
  );
});
