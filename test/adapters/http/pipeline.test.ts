import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import { routes } from '../../../src/adapters/http/router.js';
import type { Handler, HttpContext, Route } from '../../../src/adapters/http/types.js';
import { startHttpApp, type HttpApp } from '../../support/http-app.js';

interface Served extends HttpApp {
  /** Each request the journeys recorder was told about, with the route it matched. */
  readonly journeys: Array<[HttpContext, Route]>;
  /** Resolves with the next recorded journey. */
  nextJourney(): Promise<HttpContext>;
}

/** The real pipeline on port 0, with a journeys recorder that keeps what it is told. */
async function serve(t: TestContext, handlers: Record<string, Handler>): Promise<Served> {
  const journeys: Array<[HttpContext, Route]> = [];
  const waiting: Array<(ctx: HttpContext) => void> = [];
  const app = await startHttpApp(t, Object.entries(handlers).flatMap(([path, handler]) => routes('GET', [path], handler)), {
    journeys: (ctx, route) => {
      journeys.push([ctx, route]);
      waiting.shift()?.(ctx);
    },
  });
  return { ...app, journeys, nextJourney: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** Opens `path` and resolves once the response head arrives; the caller decides when to go away. */
async function open(origin: string, path: string): Promise<{ response: IncomingMessage; abort(): void }> {
  const req = request(new URL(path, origin));
  req.on('error', () => undefined);
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  return { response, abort: () => req.destroy() };
}

test('ctx.signal aborts when the client goes away before the response is finished', async (t) => {
  let signal: AbortSignal | undefined;
  const app = await serve(t, {
    '/stream': async (ctx) => {
      signal = ctx.signal;
      ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
      ctx.res.write(': open\n\n');
    },
  });
  const stream = await open(app.origin, '/stream');
  assert.equal(signal?.aborted, false);
  const aborted = once(signal, 'abort');
  stream.abort();
  await aborted;
  assert.equal(signal.aborted, true);
});

test('a signal first read after the client went away is already aborted; one read after a finished response never is', async (t) => {
  const app = await serve(t, {
    '/stream': async (ctx) => {
      ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
      ctx.res.write(': open\n\n');
    },
    '/done': async (ctx) => {
      ctx.res.end('done');
    },
  });
  const stream = await open(app.origin, '/stream');
  const gone = app.nextJourney();
  stream.abort();
  assert.equal((await gone).signal.aborted, true);

  const finished = app.nextJourney();
  const done = await open(app.origin, '/done');
  done.response.resume();
  assert.equal((await finished).signal.aborted, false);
});

test('one close per request: the request is logged and recorded once, with the child logger carrying the request id', async (t) => {
  const app = await serve(t, {
    '/hello': async (ctx) => {
      ctx.logger.info('hello.handled');
      ctx.res.end('hi');
    },
  });
  const recorded = app.nextJourney();
  const { response } = await open(app.origin, '/hello');
  response.resume();
  const ctx = await recorded;
  const requestId = response.headers['x-request-id'];
  assert.equal(ctx.requestId, requestId);
  assert.deepEqual(
    app.logs.map((entry) => [entry['event'], entry['requestId']]),
    [
      ['hello.handled', requestId],
      ['http.request', requestId],
    ],
  );
  assert.equal(app.journeys.length, 1);
  assert.equal(app.journeys[0]?.[1].path, '/hello');
});
