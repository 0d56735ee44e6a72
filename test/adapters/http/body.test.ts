import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
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

test('a client that hangs up mid-body gets "aborted", not a hang (K1)', async (t) => {
  const outcome = new Promise<string | undefined>((resolve) => {
    const server = createServer((req) => void codeOf(readBody(req, 1000)).then(resolve));
    t.after(() => server.close());
    server.listen(0, '127.0.0.1', () => {
      const client = httpRequest({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '100' } });
      client.on('error', () => undefined);
      client.write('only ten b');
      server.once('request', () => setImmediate(() => client.destroy()));
    });
  });
  assert.equal(await outcome, 'aborted');
});

test('a client that hung up before the body is read gets "aborted", not a hang', async (t) => {
  const outcome = new Promise<string | undefined>((resolve) => {
    const server = createServer((req) => {
      // Read only once the request is gone, as when the gate is still verifying the token.
      req.once('close', () => setImmediate(() => void codeOf(readBody(req, 1000)).then(resolve)));
      server.emit('hung-up-pending');
    });
    t.after(() => server.close());
    server.listen(0, '127.0.0.1', () => {
      const client = httpRequest({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '100' } });
      client.on('error', () => undefined);
      client.write('only ten b');
      server.once('hung-up-pending', () => setImmediate(() => client.destroy()));
    });
  });
  assert.equal(await outcome, 'aborted');
});

test('a body already read to its end reads as empty', async () => {
  const req = request({}, ['x']);
  req.resume();
  await once(req, 'end');
  assert.equal((await readBody(req, 10)).length, 0);
});

test('JSON: invalid JSON and invalid UTF-8 are told apart (I6)', () => {
  assert.deepEqual(parseJson(Buffer.from('{"ok":true}')), { ok: true });
  assert.throws(() => parseJson(Buffer.from('{nope')), (error: unknown) => error instanceof BodyError && error.code === 'invalid_json');
  assert.throws(() => parseJson(Buffer.from([0x7b, 0xff, 0x7d])), (error: unknown) => error instanceof BodyError && error.code === 'invalid_utf8');
});

test('forms: first value wins, percent-decoding applies', () => {
  assert.deepEqual(parseForm(Buffer.from('a=1&b=x%20y&a=2')), { a: '1', b: 'x y' });
});
