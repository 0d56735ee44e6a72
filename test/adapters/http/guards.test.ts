import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGuards } from '../../../src/adapters/http/guards.js';

describe('Host and Origin guards (I1, I2)', () => {
  const guards = createGuards({ publicUrl: new URL('https://mcp.example.com'), extraOrigins: ['http://localhost:6274'] });

  test('I2 Host: the public host and loopback pass; others, look-alikes and empty fail', () => {
    assert.equal(guards.hostAllowed('mcp.example.com'), true);
    assert.equal(guards.hostAllowed('MCP.example.com'), true);
    assert.equal(guards.hostAllowed('127.0.0.1:8080'), true);
    assert.equal(guards.hostAllowed('localhost'), true);
    assert.equal(guards.hostAllowed('[::1]:8080'), true);
    assert.equal(guards.hostAllowed('attacker.example'), false);
    assert.equal(guards.hostAllowed('127.0.0.1.nip.io'), false);
    assert.equal(guards.hostAllowed('mcp.example.com.evil.example'), false);
    assert.equal(guards.hostAllowed('mcp.example.com:8443'), false);
    assert.equal(guards.hostAllowed(''), false);
    assert.equal(guards.hostAllowed(undefined), false);
  });

  test('I1 Origin: absent passes; the public origin and configured extras pass; foreign fails', () => {
    assert.equal(guards.originAllowed(undefined), true);
    assert.equal(guards.originAllowed('https://mcp.example.com'), true);
    assert.equal(guards.originAllowed('http://localhost:6274'), true);
    assert.equal(guards.originAllowed('https://evil.example'), false);
    assert.equal(guards.originAllowed('http://mcp.example.com'), false);
    assert.equal(guards.originAllowed('http://localhost:3000'), false, 'loopback origins need configuring when public');
    assert.equal(guards.originAllowed('null'), false);
  });

  test('with a loopback public URL any loopback origin is a development origin', () => {
    const local = createGuards({ publicUrl: new URL('http://127.0.0.1:8080'), extraOrigins: [] });
    assert.equal(local.originAllowed('http://localhost:6274'), true);
    assert.equal(local.originAllowed('http://127.0.0.1:5173'), true);
    assert.equal(local.originAllowed('https://evil.example'), false);
  });
});
