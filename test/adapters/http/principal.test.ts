import assert from 'node:assert/strict';
import { test } from 'node:test';
import { principalOf } from '../../../src/adapters/http/principal.js';
import type { HttpContext } from '../../../src/adapters/http/types.js';

test('an MCP handler reached without the gate fails closed instead of serving anybody', () => {
  const ctx = { url: new URL('http://127.0.0.1/mcp') } as HttpContext;
  assert.throws(() => principalOf(ctx), /\/mcp reached without a principal/);
  const principal = { subject: 'local:alice', scopes: ['mcp'] };
  assert.equal(principalOf({ ...ctx, principal }), principal);
});
