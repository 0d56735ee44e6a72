import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { createGuards } from '../../src/adapters/http/guards.js';
import type { JourneyRecorder } from '../../src/adapters/http/journey-recorder.js';
import { createPipeline } from '../../src/adapters/http/pipeline.js';
import { createRouter } from '../../src/adapters/http/router.js';
import type { Gate, Route } from '../../src/adapters/http/types.js';
import { createJsonLogger } from '../../src/adapters/logging/json-logger.js';
import { ANONYMOUS } from '../../src/domain/principal.js';

export interface HttpApp {
  readonly origin: string;
  readonly logs: Array<Record<string, unknown>>;
}

export interface HttpAppOptions {
  readonly gate?: Gate;
  readonly publicUrl?: string;
  /** Told about every routed request once its response ends. */
  readonly journeys?: JourneyRecorder;
}

/**
 * Listens on a free loopback port and resolves with the origin, `http://127.0.0.1:<port>`. After
 * the test, open connections (streams a test left open included) are cut and the server closed.
 */
export async function listenOnLoopback(t: TestContext, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Serves `routes` through Keyway's real pipeline (guards, router, gate) on port 0, for tests of a
 * few endpoints without the whole app. Closed after the test.
 */
export async function startHttpApp(t: TestContext, routes: readonly Route[], options: HttpAppOptions = {}): Promise<HttpApp> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const publicUrl = new URL(options.publicUrl ?? 'http://127.0.0.1');
  const pipeline = createPipeline({
    router: createRouter(routes),
    guards: createGuards({ publicUrl, extraOrigins: [] }),
    gate: options.gate ?? (async () => ANONYMOUS),
    logger,
    publicUrl,
    journeys: options.journeys,
  });
  return { origin: await listenOnLoopback(t, createServer(pipeline)), logs };
}
