import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderJson, renderStep, renderSummary } from '../../src/app/doctor/render.js';
import { buildReport, fail, warn } from '../../src/domain/doctor/report.js';

/** Server text in the report (bodies, Location, headers) reaches the terminal without its control characters. */
const HOSTILE = 'Location: /x\u001b]8;;https://evil.example\u0007click\u001b[2J\r\u0000\u007f\u009b31m';

describe('doctor text output', () => {
  test('strips control characters from measured values, causes and fixes', () => {
    const steps = [warn('challenge', HOSTILE, `cause ${HOSTILE}`), fail('url', `POST → 307 ${HOSTILE}`, `cause ${HOSTILE}`, `fix ${HOSTILE}`)];
    const report = buildReport('https://mcp.example.com/mcp', 'claude-ai', steps, [`note ${HOSTILE}`]);
    const text = [...steps.map(renderStep), renderSummary(report)].join('\n');
    const controls = [...text].map((character) => character.codePointAt(0) ?? 0).filter((code) => code !== 0x0a && (code < 0x20 || (code >= 0x7f && code <= 0x9f)));
    assert.deepEqual(controls, []);
    assert.match(text, /Location: \/x\]8;;https:\/\/evil\.example/);
    assert.equal(text.split('\n').length, 2 + 1 + 5, 'only the renderer\'s own line breaks');
  });

  test('the JSON report keeps the server\'s text as it was (escaped by JSON)', () => {
    const report = buildReport('https://mcp.example.com/mcp', 'claude-ai', [fail('url', HOSTILE, HOSTILE, 'fix')]);
    assert.equal((JSON.parse(renderJson(report)) as { steps: Array<{ measured: string }> }).steps[0]?.measured, HOSTILE);
  });
});
