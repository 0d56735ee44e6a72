import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsonLogger } from '../../../src/adapters/logging/json-logger.js';

test('one JSON object per line with time, level, event and fields; below-level events dropped', () => {
  const lines: string[] = [];
  const logger = createJsonLogger('info', (line) => lines.push(line)).child({ requestId: 'r1' });
  logger.debug('hidden');
  logger.info('shown', { status: 200, skipped: undefined });
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(entry['level'], 'info');
  assert.equal(entry['event'], 'shown');
  assert.equal(entry['requestId'], 'r1');
  assert.equal(entry['status'], 200);
  assert.ok(!('skipped' in entry));
  assert.match(String(entry['time']), /^\d{4}-\d\d-\d\dT/);
});

test('M1 fields named like credentials are redacted whatever their value', () => {
  const lines: string[] = [];
  const logger = createJsonLogger('debug', (line) => lines.push(line));
  logger.warn('oops', { authorization: 'Bearer kw_at_secret', refresh_token: 'kw_rt_secret', client_secret: 's', code: 'c0de', cookie: 'x' });
  const text = lines.join('\n');
  for (const secret of ['kw_at_secret', 'kw_rt_secret', 'c0de', '"s"']) assert.ok(!text.includes(secret), secret);
  assert.equal((JSON.parse(lines[0] ?? '{}') as Record<string, unknown>)['authorization'], '[redacted]');
});
