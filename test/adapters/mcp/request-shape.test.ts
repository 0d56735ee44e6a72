import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metaVersionOf, normaliseAccept, onlyNotifications, reconcileVersion } from '../../../src/adapters/mcp/request-shape.js';

const SPEC = 'application/json, text/event-stream';

test('Accept: missing, wildcard or partial becomes the spec pair; unrelated types are refused', () => {
  assert.equal(normaliseAccept(undefined), SPEC);
  assert.equal(normaliseAccept(''), SPEC);
  assert.equal(normaliseAccept('*/*'), SPEC);
  assert.equal(normaliseAccept('application/json'), SPEC);
  assert.equal(normaliseAccept('text/event-stream;q=0.9, application/json'), SPEC);
  assert.equal(normaliseAccept('text/html'), undefined);
  assert.equal(normaliseAccept('image/png, text/plain'), undefined);
});

const modern = (version: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': version } } });

test('the _meta version is read from single messages only', () => {
  assert.equal(metaVersionOf(modern('2026-07-28')), '2026-07-28');
  assert.equal(metaVersionOf({ jsonrpc: '2.0', id: 1, method: 'x' }), undefined);
  assert.equal(metaVersionOf([modern('2026-07-28')]), undefined);
  assert.equal(metaVersionOf(null), undefined);
});

test('Decision 5: a header contradicting a served _meta version is rewritten and reported', () => {
  assert.deepEqual(reconcileVersion({ 'mcp-protocol-version': '2025-11-25' }, modern('2026-07-28')), {
    header: '2026-07-28',
    mismatch: { header: '2025-11-25', meta: '2026-07-28' },
  });
  assert.deepEqual(reconcileVersion({ 'mcp-protocol-version': '2026-07-28' }, modern('2026-07-28')), {});
  assert.deepEqual(reconcileVersion({}, modern('2026-07-28')), {});
  assert.deepEqual(reconcileVersion({ 'mcp-protocol-version': '2025-11-25' }, modern('2099-01-01')), {}, 'unknown versions are left to the SDK error');
});

test('notification-only bodies are recognised', () => {
  assert.equal(onlyNotifications({ jsonrpc: '2.0', method: 'notifications/initialized' }), true);
  assert.equal(onlyNotifications([{ jsonrpc: '2.0', method: 'a' }, { jsonrpc: '2.0', method: 'b' }]), true);
  assert.equal(onlyNotifications({ jsonrpc: '2.0', id: 1, method: 'ping' }), false);
  assert.equal(onlyNotifications([]), false);
});
