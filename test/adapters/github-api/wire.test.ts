import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureOf, githubMessage } from '../../../src/adapters/github-api/failures.js';
import { nextPageOf, toIssue, toRepository } from '../../../src/adapters/github-api/wire.js';

/** GitHub's wire details read defensively: Link headers, error bodies, half-formed items. */

test('the next page comes from rel="next" only, whatever else the Link header holds', () => {
  const base = 'https://api.github.com/user/repos';
  assert.equal(nextPageOf(`<${base}?page=2&per_page=30>; rel="next", <${base}?page=9>; rel="last"`), 2);
  assert.equal(nextPageOf(`<${base}?page=1>; rel="prev", <${base}?page=3>; rel="next"`), 3);
  assert.equal(nextPageOf(`<${base}?page=1>; rel="first", <${base}?page=1>; rel="prev"`), undefined);
  assert.equal(nextPageOf(`<${base}?after=Y3Vyc29y>; rel="next"`), undefined);
  assert.equal(nextPageOf('<not a url>; rel="next"'), undefined);
  assert.equal(nextPageOf(null), undefined);
});

test("GitHub's messages reach the model printable, short, with a 422's details", () => {
  assert.equal(githubMessage({ message: 'Validation Failed', errors: [{ message: 'a' }, { code: 'x' }, { message: 'b' }] }, 422), 'Validation Failed: a; b');
  assert.equal(githubMessage({ message: 'bad\u0000\u001b[31m\nthing' }, 403), 'bad [31m thing');
  assert.equal(githubMessage({ message: 'x'.repeat(1000) }, 403).length, 300);
  assert.equal(githubMessage('<html>', 502), 'HTTP 502');
});

test('a 403 is a rate limit only when GitHub says so; otherwise a permission refusal', () => {
  const headers = (init: Record<string, string>): Headers => new Headers(init);
  assert.equal(failureOf(403, headers({}), { message: 'Must have admin rights to Repository.' }, undefined).kind, 'forbidden');
  assert.deepEqual(failureOf(403, headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' }), { message: 'API rate limit exceeded' }, undefined), { kind: 'rate_limited', resetAt: 1_900_000_000 });
  assert.deepEqual(failureOf(403, headers({}), { message: 'You have exceeded a secondary rate limit' }, undefined), { kind: 'rate_limited', retryAfterSeconds: 60 });
  assert.deepEqual(failureOf(404, headers({}), { message: 'Not Found' }, 'repository a/b'), { kind: 'not_found', message: 'no repository a/b (Not Found)' });
  assert.equal(failureOf(503, headers({}), undefined, undefined).kind, 'unavailable');
});

test('items missing what identifies them are dropped, not passed on half-formed', () => {
  assert.equal(toRepository({ name: 'x' }), undefined);
  assert.equal(toIssue({ number: 1, html_url: 'https://github.com/a/b/issues/1' }), undefined, 'no repository');
  assert.equal(toIssue({ number: 1, html_url: 'https://github.com/a/b/issues/1', repository_url: 'https://api.github.com/repos/a/b' })?.repository, 'a/b');
  assert.deepEqual(toIssue({ number: 1, html_url: 'u', labels: ['plain', { name: 'obj' }, 3] }, 'a/b')?.labels, ['plain', 'obj']);
});
