import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DOCTOR_USAGE, parseDoctorArgs, UsageError } from '../../src/app/doctor/args.js';

/** The doctor's command line: defaults, profiles, and refusals that name the problem. */
describe('doctor arguments', () => {
  test('defaults imitate claude-ai with bounded waits', () => {
    const { options, json } = parseDoctorArgs(['https://mcp.example.com/mcp'], {});
    assert.equal(options.profile.id, 'claude-ai');
    assert.deepEqual([options.requestTimeoutMs, options.deadlineMs, options.sseWaitMs, options.heartbeatWaitMs], [10_000, 120_000, 10_000, 20_000]);
    assert.deepEqual([options.login, options.allowPrivate, options.allowAnyPort, json], [false, false, false, false]);
    assert.equal(options.token, undefined);
    assert.equal(options.transport, 'auto');
  });

  test('--transport picks Streamable HTTP or legacy SSE only', () => {
    assert.equal(parseDoctorArgs(['https://mcp.example.com/sse', '--transport', 'sse'], {}).options.transport, 'sse');
    assert.equal(parseDoctorArgs(['https://mcp.example.com/mcp', '--transport', 'streamable'], {}).options.transport, 'streamable');
  });

  test('--client picks the profile; the token may come from KEYWAY_DOCTOR_TOKEN', () => {
    const { options } = parseDoctorArgs(['https://mcp.example.com/mcp', '--client', 'mcp-remote', '--timeout', '2.5'], { KEYWAY_DOCTOR_TOKEN: 'kw_at_x' });
    assert.deepEqual([options.profile.id, options.token, options.requestTimeoutMs], ['mcp-remote', 'kw_at_x', 2500]);
  });

  test('--client-secret, or KEYWAY_DOCTOR_CLIENT_SECRET, goes with --refresh-token only', () => {
    const refresh = ['https://a.example/mcp', '--token', 't', '--refresh-token', 'r', '--client-id', 'c'];
    assert.equal(parseDoctorArgs([...refresh, '--client-secret', 's1'], { KEYWAY_DOCTOR_CLIENT_SECRET: 's2' }).options.clientSecret, 's1');
    assert.equal(parseDoctorArgs(refresh, { KEYWAY_DOCTOR_CLIENT_SECRET: 's2' }).options.clientSecret, 's2');
    assert.equal(parseDoctorArgs(['https://a.example/mcp', '--token', 't'], { KEYWAY_DOCTOR_CLIENT_SECRET: 's2' }).options.clientSecret, undefined);
  });

  test('the usage says the refresh token is used up and --login tokens are revoked even after a failure', () => {
    assert.match(DOCTOR_USAGE.replace(/\s+/g, ' '), /It is used up: the server rotates it, and the doctor revokes the token it rotates into at the end/);
    assert.match(DOCTOR_USAGE.replace(/\s+/g, ' '), /revoked at the end, also when a step fails/);
  });

  const refusals: Array<[string, string[], RegExp]> = [
    ['no URL', [], /URL to check is missing/],
    ['not a URL', ['mcp.example.com/mcp'], /not a URL/],
    ['a fragment', ['https://mcp.example.com/mcp#x'], /fragment/],
    ['an unknown client', ['https://a.example/mcp', '--client', 'netscape'], /unknown --client 'netscape'/],
    ['a refresh token without its client', ['https://a.example/mcp', '--token', 't', '--refresh-token', 'r'], /--client-id/],
    ['a client secret without a refresh token', ['https://a.example/mcp', '--token', 't', '--client-secret', 's'], /--client-secret is only used with --refresh-token/],
    ['--login with --token', ['https://a.example/mcp', '--token', 't', '--login'], /exclude each other/],
    ['an unknown transport', ['https://a.example/mcp', '--transport', 'websocket'], /--transport must be one of auto, streamable, sse, got 'websocket'/],
    ['a zero wait', ['https://a.example/mcp', '--sse-wait', '0'], /--sse-wait must be/],
    ['an unknown flag', ['https://a.example/mcp', '--follow-redirects'], /follow-redirects/],
  ];
  for (const [name, argv, message] of refusals) {
    test(`refuses ${name}`, () => {
      assert.throws(() => parseDoctorArgs(argv, {}), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});
