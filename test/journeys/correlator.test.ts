import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJourneyCorrelator, REGISTRATION_PAIR_SECONDS, type JourneyCorrelatorOptions } from '../../src/domain/journeys/correlator.js';
import type { JourneyEvent, StepDetail, StepKind } from '../../src/domain/journeys/journey.js';
import { createFakeClock, type FakeClock } from '../support/fake-clock.js';
import { createSequenceRandom } from '../support/sequence-random.js';

const OPTIONS: JourneyCorrelatorOptions = { idleSeconds: 600, maxLifetimeSeconds: 1200, maxOpen: 100, maxSteps: 64, maxKeys: 4 };

function setup(options: Partial<JourneyCorrelatorOptions> = {}) {
  const clock = createFakeClock();
  const correlator = createJourneyCorrelator({ ...OPTIONS, ...options }, { clock, random: createSequenceRandom('j') });
  const event = (kind: StepKind, fields: Partial<Omit<JourneyEvent, 'kind' | 'detail'>> & { detail?: Partial<StepDetail> } = {}): JourneyEvent => {
    const { detail, ...rest } = fields;
    return { kind, at: clock.now(), ...rest, detail: { status: 200, ok: true, ...detail } };
  };
  return { clock, correlator, event };
}

const later = (clock: FakeClock, seconds: number): void => clock.advance(seconds);

test('events before registration join by address; registration binds both of Claude\'s ids; the client id then joins from anywhere', () => {
  const { clock, correlator, event } = setup();
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  correlator.record(event('metadata', { address: 'A' }));
  correlator.record(event('register', { address: 'A', clientId: 'c1', detail: { status: 201 } }));
  later(clock, 1);
  correlator.record(event('register', { address: 'A', clientId: 'c2', detail: { status: 201 } }));
  correlator.record(event('authorize', { address: 'B', clientId: 'c2', browser: 'k', detail: { note: 'consent_shown' } }));
  assert.equal(correlator.openCount, 1);
  const [journey] = correlator.endAll();
  assert.deepEqual(journey?.clientIds, ['c1', 'c2']);
  assert.equal(journey?.address, 'A');
  assert.equal(journey?.end, 'shutdown');
  assert.equal(journey?.verdict.code, 'consent_pending');
  assert.deepEqual(journey?.steps.map((step) => step.kind), ['probe', 'metadata', 'register', 'register', 'authorize']);
});

test('the browser key joins consent, sign-in and callback from the browser\'s address to its /authorize', () => {
  const { correlator, event } = setup();
  correlator.record(event('register', { address: 'A', clientId: 'c', detail: { status: 201 } }));
  correlator.record(event('authorize', { address: 'B', clientId: 'c', browser: 'k', detail: { note: 'consent_shown' } }));
  correlator.record(event('consent', { address: 'B', browser: 'k', detail: { status: 303, note: 'sign_in_started' } }));
  correlator.record(event('callback', { address: 'B', browser: 'k', detail: { status: 302, ok: true, note: 'code_issued' } }));
  const [journey] = correlator.endAll();
  assert.equal(correlator.openCount, 0);
  assert.equal(journey?.verdict.text, 'authorized, never called /token — a firewall in front?');
});

test('a journey idle past the window ends as a timeout with the verdict where it stopped; the address then starts afresh', () => {
  const { clock, correlator, event } = setup({ idleSeconds: 60 });
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  correlator.record(event('metadata', { address: 'A' }));
  later(clock, 60);
  assert.deepEqual(correlator.expire(), []);
  later(clock, 1);
  const [ended] = correlator.expire();
  assert.equal(ended?.end, 'timeout');
  assert.equal(ended?.verdict.text, 'fetched metadata, never registered');
  assert.equal(ended?.endedAt, clock.now());
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  assert.equal(correlator.endAll()[0]?.steps.length, 1);
});

test('a stale journey is not joined even before the timer ends it', () => {
  const { clock, correlator, event } = setup({ idleSeconds: 60 });
  correlator.record(event('register', { address: 'A', clientId: 'c', detail: { status: 201 } }));
  later(clock, 61);
  correlator.record(event('authorize', { address: 'A', clientId: 'c', detail: { note: 'consent_shown' } }));
  assert.equal(correlator.openCount, 2);
  const verdicts = correlator.endAll().map((journey) => journey.verdict.code);
  assert.deepEqual(verdicts, ['registered', 'consent_pending']);
});

test('the first successful MCP request ends the journey as connected; later MCP requests open nothing', () => {
  const { correlator, event } = setup();
  correlator.record(event('token', { address: 'A', clientId: 'c', detail: { note: 'authorization_code' } }));
  const [connected] = correlator.record(event('mcp', { clientId: 'c' }));
  assert.equal(connected?.verdict.code, 'connected');
  assert.equal(connected?.end, 'connected');
  assert.deepEqual(correlator.record(event('mcp', { clientId: 'c' })), []);
  assert.equal(correlator.openCount, 0);
});

test('an established client\'s MCP request or refresh never joins a stranger\'s attempt from the same egress address', () => {
  const { correlator, event } = setup();
  correlator.record(event('probe', { address: 'pool', detail: { status: 401 } }));
  assert.deepEqual(correlator.record(event('mcp', { clientId: 'old', address: 'pool' })), []);
  correlator.record(event('token', { address: 'pool', clientId: 'old', detail: { note: 'refresh_token' } }));
  const [journey] = correlator.endAll();
  assert.equal(correlator.openCount, 0);
  assert.deepEqual(journey?.clientIds, []);
  assert.equal(journey?.verdict.code, 'probed');
});

test('a failed refresh opens a journey: "token refused (invalid_grant)"', () => {
  const { correlator, event } = setup();
  correlator.record(event('token', { address: 'A', clientId: 'c', detail: { status: 400, ok: false, note: 'invalid_grant' } }));
  assert.equal(correlator.endAll()[0]?.verdict.text, 'token refused (invalid_grant)');
});

test('an MCP request refused for its token joins the address\'s attempt only once that attempt got a token', () => {
  const { correlator, event } = setup();
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  correlator.record(event('mcp', { address: 'A', detail: { status: 401, ok: false, note: 'invalid_token' } }));
  correlator.record(event('token', { address: 'B', clientId: 'c', detail: { note: 'authorization_code' } }));
  correlator.record(event('mcp', { address: 'B', detail: { status: 401, ok: false, note: 'invalid_token' } }));
  const verdicts = correlator.endAll().map((journey) => journey.verdict.text);
  assert.deepEqual(verdicts, ['probed, never fetched metadata', 'token issued, MCP request refused (invalid_token)']);
});

test('a client that skips registration (metadata-document id): its address\'s client-less attempt merges into its journey', () => {
  const { correlator, event } = setup();
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  correlator.record(event('metadata', { address: 'A' }));
  correlator.record(event('authorize', { address: 'B', clientId: 'https://app.example/cimd', browser: 'k', detail: { note: 'consent_shown' } }));
  correlator.record(event('consent', { address: 'B', browser: 'k', detail: { status: 303 } }));
  correlator.record(event('callback', { address: 'B', browser: 'k', detail: { status: 302, note: 'code_issued' } }));
  correlator.record(event('token', { address: 'A', clientId: 'https://app.example/cimd', detail: { note: 'authorization_code' } }));
  assert.equal(correlator.openCount, 1);
  const [journey] = correlator.record(event('mcp', { clientId: 'https://app.example/cimd' }));
  assert.equal(journey?.verdict.code, 'connected');
  assert.deepEqual(journey?.steps.map((step) => step.kind), ['probe', 'metadata', 'authorize', 'consent', 'callback', 'token', 'mcp']);
  assert.equal(journey?.address, 'A');
});

test('a registered client\'s token request does not swallow a stranger\'s probe from its egress address', () => {
  const { correlator, event } = setup();
  correlator.record(event('probe', { address: 'pool-1', detail: { status: 401 } }));
  correlator.record(event('register', { address: 'pool-1', clientId: 'c', detail: { status: 201 } }));
  correlator.record(event('probe', { address: 'pool-2', detail: { status: 401 } }));
  correlator.record(event('token', { address: 'pool-2', clientId: 'c', detail: { note: 'authorization_code' } }));
  const verdicts = correlator.endAll().map((journey) => journey.verdict.code);
  assert.deepEqual(verdicts, ['mcp_missing', 'probed']);
});

test('the verdict comes from the furthest success: metadata fetched again after the token does not move it back', () => {
  const { correlator, event } = setup();
  correlator.record(event('callback', { address: 'A', clientId: 'c', detail: { status: 302, note: 'code_issued' } }));
  correlator.record(event('token', { address: 'A', clientId: 'c', detail: { status: 400, ok: false, note: 'invalid_grant' } }));
  correlator.record(event('metadata', { address: 'A' }));
  assert.equal(correlator.endAll()[0]?.verdict.code, 'token_refused');
});

test('bounded: the oldest open journey is evicted over the cap, and steps beyond the cap are counted, not kept', () => {
  const { correlator, event } = setup({ maxOpen: 2, maxSteps: 3 });
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  correlator.record(event('probe', { address: 'B', detail: { status: 401 } }));
  const [evicted] = correlator.record(event('probe', { address: 'C', detail: { status: 401 } }));
  assert.equal(evicted?.address, 'A');
  assert.equal(evicted?.end, 'evicted');
  for (let i = 0; i < 5; i += 1) correlator.record(event('metadata', { address: 'B' }));
  const b = correlator.endAll().find((journey) => journey.address === 'B');
  assert.equal(b?.steps.length, 3);
  assert.equal(b?.droppedSteps, 3);
  assert.equal(b?.verdict.code, 'metadata_only');
});

test('bounded per journey: cookie-less /authorize requests naming one client and ever new redirect hosts keep 4 browsers and hosts, count the rest', () => {
  const { correlator, event } = setup();
  const requests = 2000;
  for (let i = 0; i < requests; i += 1) {
    correlator.record(event('authorize', { address: 'B', clientId: 'x', browser: `k${i}`, detail: { status: 400, ok: false, note: 'redirect_uri_not_registered', redirectHost: `https://h${i}.example` } }));
  }
  assert.equal(correlator.openCount, 1);
  assert.ok(correlator.indexedCount <= 1 + 4 + 1, `indexes hold ${correlator.indexedCount} keys`);
  const [journey] = correlator.endAll();
  assert.deepEqual(journey?.redirectHosts, ['https://h0.example', 'https://h1.example', 'https://h2.example', 'https://h3.example']);
  assert.deepEqual(journey?.overflow, { clientIds: 0, browsers: requests - 4, redirectHosts: requests - 4 });
  assert.equal(journey?.steps.length, 64);
  assert.equal(journey?.droppedSteps, requests - 64);
  assert.equal(correlator.indexedCount, 0);
});

test('bounded per journey: one browser naming ever new client ids binds 4 of them; the rest are counted and find no journey of their own', () => {
  const { correlator, event } = setup();
  for (let i = 0; i < 10; i += 1) correlator.record(event('authorize', { address: 'B', clientId: `c${i}`, browser: 'k', detail: { note: 'consent_shown' } }));
  assert.equal(correlator.openCount, 1);
  assert.equal(correlator.indexedCount, 4 + 1 + 1);
  const [journey] = correlator.endAll();
  assert.deepEqual(journey?.clientIds, ['c0', 'c1', 'c2', 'c3']);
  assert.deepEqual(journey?.overflow, { clientIds: 6, browsers: 0, redirectHosts: 0 });
});

test('a journey without overflow carries no overflow field', () => {
  const { correlator, event } = setup();
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  assert.equal(Object.hasOwn(correlator.endAll()[0] ?? {}, 'overflow'), false);
});

test('bounded in time: steady traffic cannot keep a journey open past its lifetime; the client then starts afresh', () => {
  const { clock, correlator, event } = setup({ idleSeconds: 600, maxLifetimeSeconds: 1200 });
  for (let elapsed = 0; elapsed <= 1200; elapsed += 100) {
    correlator.record(event('authorize', { address: 'B', clientId: 'x', detail: { status: 400, ok: false, note: 'invalid_scope' } }));
    if (elapsed < 1200) later(clock, 100);
  }
  assert.deepEqual(correlator.expire(), [], 'at exactly its lifetime the journey is still open');
  later(clock, 100);
  correlator.record(event('authorize', { address: 'B', clientId: 'x', detail: { status: 400, ok: false, note: 'invalid_scope' } }));
  assert.equal(correlator.openCount, 2);
  const [old] = correlator.expire();
  assert.equal(old?.end, 'lifetime');
  assert.equal(old?.steps.length, 13);
  assert.equal(old?.endedAt, clock.now());
  const [fresh] = correlator.endAll();
  assert.equal(fresh?.steps.length, 1);
  assert.deepEqual(fresh?.clientIds, ['x']);
});

test('a journey past its lifetime ends on the next expire even with no new event', () => {
  const { clock, correlator, event } = setup({ idleSeconds: 600, maxLifetimeSeconds: 1200 });
  correlator.record(event('probe', { address: 'A', detail: { status: 401 } }));
  for (let i = 0; i < 2; i += 1) {
    later(clock, 500);
    correlator.record(event('metadata', { address: 'A' }));
  }
  later(clock, 200);
  assert.deepEqual(correlator.expire(), []);
  later(clock, 1);
  assert.equal(correlator.expire()[0]?.end, 'lifetime');
  assert.equal(correlator.openCount, 0);
});

test('a shared egress address: a second user\'s registration minutes later starts its own journey; each connects with its own outcome', () => {
  const { clock, correlator, event } = setup();
  correlator.record(event('probe', { address: 'pool', detail: { status: 401 } }));
  correlator.record(event('register', { address: 'pool', clientId: 'a', detail: { status: 201 } }));
  later(clock, 120);
  correlator.record(event('register', { address: 'pool', clientId: 'b', detail: { status: 201 } }));
  correlator.record(event('authorize', { address: 'browser-a', clientId: 'a', browser: 'ka', detail: { note: 'consent_shown' } }));
  correlator.record(event('token', { address: 'pool', clientId: 'a', detail: { note: 'authorization_code' } }));
  const [a] = correlator.record(event('mcp', { clientId: 'a' }));
  assert.deepEqual(a?.clientIds, ['a']);
  assert.equal(a?.verdict.code, 'connected');
  assert.deepEqual(a?.steps.map((step) => step.kind), ['probe', 'register', 'authorize', 'token', 'mcp']);
  const [b] = correlator.endAll();
  assert.deepEqual(b?.clientIds, ['b']);
  assert.equal(b?.verdict.code, 'registered');
});

test(`registrations pair within ${REGISTRATION_PAIR_SECONDS} s (Claude registers twice); a third, or one later than that, starts a new journey`, () => {
  const { clock, correlator, event } = setup();
  correlator.record(event('register', { address: 'pool', clientId: 'c1', detail: { status: 201 } }));
  later(clock, REGISTRATION_PAIR_SECONDS);
  correlator.record(event('register', { address: 'pool', clientId: 'c2', detail: { status: 201 } }));
  correlator.record(event('register', { address: 'pool', clientId: 'c3', detail: { status: 201 } }));
  later(clock, REGISTRATION_PAIR_SECONDS + 1);
  correlator.record(event('register', { address: 'pool', clientId: 'c4', detail: { status: 201 } }));
  assert.deepEqual(correlator.endAll().map((journey) => journey.clientIds), [['c1', 'c2'], ['c3'], ['c4']]);
});

test('a refused registration (no client id) still joins its address\'s attempt', () => {
  const { correlator, event } = setup();
  correlator.record(event('register', { address: 'A', clientId: 'c', detail: { status: 201 } }));
  correlator.record(event('register', { address: 'A', detail: { status: 400, ok: false, note: 'invalid_redirect_uri' } }));
  assert.equal(correlator.openCount, 1);
  assert.deepEqual(correlator.endAll()[0]?.steps.map((step) => step.ok), [true, false]);
});
