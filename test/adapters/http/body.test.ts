import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { BodyError, parseForm, parseJson, readBody } from '../../../src/adapters/http/body.js';

function request(headers: Record<string, string>, chunks: string[]): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream as unknown as IncomingMessage;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof BodyError ? error.code : 'other';
  }
  return undefined;
}

test('reads a body within the limit', async () => {
  const body = await readBody(request({}, ['{"a":', '1}']), 100);
  assert.equal(body.toString(), '{"a":1}');
});

test('a declared Content-Length over the limit is refused before reading (K1)', async () => {
  assert.equal(await codeOf(readBody(request({ 'content-length': '1000' }, ['x']), 10)), 'too_large');
});

test('a streamed body is cut as soon as it crosses the limit', async () => {
  assert.equal(await codeOf(readBody(request({}, ['12345', '67890', 'x']), 10)), 'too_large');
});

test('JSON: invalid JSON and invalid UTF-8 are told apart (I6)', () => {
  assert.deepEqual(parseJson(Buffer.from('{"ok":true}')), { ok: true });
  assert.throws(() => parseJson(Buffer.from('{nope')), (error: unknown) => error instanceof BodyError && error.code === 'invalid_json');
  assert.throws(() => parseJson(Buffer.from([0x7b, 0xff, 0x7d])), (error: unknown) => error instanceof BodyError && error.code === 'invalid_utf8');
});

test('forms: first value wins, percent-decoding applies', () => {
  assert.deepEqual(parseForm(Buffer.from('a=1&b=x%20y&a=2')), { a: '1', b: 'x y' });
});
