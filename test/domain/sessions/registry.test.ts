import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../../src/domain/errors.js';
import { createSessionRegistry, type SessionPolicy } from '../../../src/domain/sessions/registry.js';
import type { Session, SessionEndReason } from '../../../src/domain/sessions/session.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createSequenceRandom } from '../../support/sequence-random.js';

const policy: SessionPolicy = { idleSeconds: 60, maxSessions: 3, maxPerOwner: 2 };

function setup(overrides: Partial<SessionPolicy> = {}) {
  const clock = createFakeClock();
  const registry = createSessionRegistry({ ...policy, ...overrides }, clock, createSequenceRandom());
  const ended: Array<[string, SessionEndReason]> = [];
  registry.onEnd((session, reason) => ended.push([session.id, reason]));
  return { clock, registry, ended };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isDomainError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('session lifecycle', () => {
  test('a new session is open, becomes active on first traffic, and is found by its owner', () => {
    const { registry } = setup();
    const session = registry.open({ kind: 'streamable', owner: 'alice' });
    assert.equal(session.state, 'open');
    registry.touch(session);
    assert.equal(session.state, 'active');
    assert.equal(registry.find(session.id, 'alice'), session);
  });

  test('another principal cannot see the session (I3): same answer as an unknown id', () => {
    const { registry } = setup();
    const session = registry.open({ kind: 'sse', owner: 'alice' });
    assert.equal(code(() => registry.find(session.id, 'mallory')), 'session_not_found');
    assert.equal(code(() => registry.find('no-such-id', 'alice')), 'session_not_found');
  });

  test('end closes the session once, notifies listeners, and the id is not found afterwards', () => {
    const { registry, ended } = setup();
    const session = registry.open({ kind: 'streamable', owner: 'alice' });
    registry.end(session.id, 'closed');
    registry.end(session.id, 'closed');
    assert.equal(session.state, 'closed');
    assert.deepEqual(ended, [[session.id, 'closed']]);
    assert.equal(code(() => registry.find(session.id, 'alice')), 'session_not_found');
    assert.equal(registry.size(), 0);
  });

  test('idle sessions expire after the TTL; recent ones stay', () => {
    const { registry, clock, ended } = setup();
    const old = registry.open({ kind: 'streamable', owner: 'alice' });
    clock.advance(50);
    const recent = registry.open({ kind: 'streamable', owner: 'bob' });
    clock.advance(11);
    assert.equal(registry.reap(), 1);
    assert.equal(old.state, 'expired');
    assert.deepEqual(ended, [[old.id, 'expired']]);
    assert.equal(registry.find(recent.id, 'bob'), recent);
  });

  test('a session with a request in flight or an open stream is never reaped (K5)', async () => {
    const { registry, clock } = setup();
    const busy = registry.open({ kind: 'streamable', owner: 'alice' });
    const streaming = registry.open({ kind: 'sse', owner: 'bob' });
    const release = registry.holdStream(streaming);
    let finish: () => void = () => undefined;
    const work = registry.track(busy, () => new Promise<void>((resolve) => (finish = resolve)));
    clock.advance(1000);
    assert.equal(registry.reap(), 0);
    finish();
    await work;
    release();
    release();
    assert.equal(streaming.openStreams, 0, 'releasing twice counts once');
    clock.advance(61);
    assert.equal(registry.reap(), 2);
  });

  test('caps: per owner, then global', () => {
    const { registry } = setup();
    registry.open({ kind: 'sse', owner: 'alice' });
    registry.open({ kind: 'sse', owner: 'alice' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'alice' })), 'session_user_limit_reached');
    registry.open({ kind: 'sse', owner: 'bob' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'carol' })), 'session_limit_reached');
  });

  test('the per-owner cap frees a slot whenever one of the owner’s sessions ends, whatever ends it', () => {
    const { clock, registry } = setup({ maxPerOwner: 2, maxSessions: 10 });
    const first = registry.open({ kind: 'sse', owner: 'alice', grantId: 'g1' });
    const second = registry.open({ kind: 'sse', owner: 'alice' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'alice' })), 'session_user_limit_reached');
    registry.end(first.id, 'closed');
    registry.end(first.id, 'closed');
    const third = registry.open({ kind: 'sse', owner: 'alice' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'alice' })), 'session_user_limit_reached', 'ending twice frees one slot only');
    registry.touch(third);
    clock.advance(61);
    registry.touch(third);
    assert.equal(registry.reap(), 1, 'the idle second session expires');
    assert.equal(second.state, 'expired');
    registry.open({ kind: 'sse', owner: 'alice', grantId: 'g2' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'alice' })), 'session_user_limit_reached');
    assert.equal(registry.endGrant('g2'), 1);
    registry.endAll('shutdown');
    registry.open({ kind: 'sse', owner: 'alice' });
    registry.open({ kind: 'sse', owner: 'alice' });
    assert.equal(registry.size(), 2);
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'alice' })), 'session_user_limit_reached');
  });

  test('one owner’s sessions never count against another’s cap', () => {
    const { registry } = setup({ maxPerOwner: 1, maxSessions: 10 });
    const alice = registry.open({ kind: 'sse', owner: 'alice' });
    registry.open({ kind: 'sse', owner: 'bob' });
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'bob' })), 'session_user_limit_reached');
    registry.end(alice.id, 'closed');
    assert.equal(code(() => registry.open({ kind: 'sse', owner: 'bob' })), 'session_user_limit_reached');
    registry.open({ kind: 'sse', owner: 'alice' });
  });

  test('ending a grant closes only that grant’s sessions', () => {
    const { registry } = setup({ maxPerOwner: 5, maxSessions: 5 });
    const a = registry.open({ kind: 'sse', owner: 'alice', grantId: 'g1' });
    const b = registry.open({ kind: 'streamable', owner: 'alice', grantId: 'g1' });
    const c = registry.open({ kind: 'streamable', owner: 'alice', grantId: 'g2' });
    assert.equal(registry.endGrant('g1'), 2);
    assert.deepEqual([a.state, b.state, c.state], ['closed', 'closed', 'open']);
  });

  test('endAll ends every live session with the given reason', () => {
    const { registry, ended } = setup();
    const sessions: Session[] = [registry.open({ kind: 'sse', owner: 'a' }), registry.open({ kind: 'sse', owner: 'b' })];
    registry.endAll('shutdown');
    assert.deepEqual(ended.map(([, reason]) => reason), ['shutdown', 'shutdown']);
    assert.ok(sessions.every((session) => session.state === 'closed'));
  });
});
