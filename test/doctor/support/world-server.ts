import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { World, WorldAnswer, WorldEvent } from './world.js';

/**
 * A {@link World} on a real node:http listener on 127.0.0.1, port 0, closed after the test: for
 * the doctor's real adapters. Streams write their events, then what their channel receives as it
 * arrives, and a `:` comment every `heartbeatMs`; a buffered stream sends its headers and holds
 * everything else, as a buffering proxy does.
 */
async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
}

function send(response: ServerResponse, answer: WorldAnswer): void {
  const { stream } = answer;
  if (stream === undefined) {
    response.writeHead(answer.status, answer.headers).end(answer.body);
    return;
  }
  response.writeHead(answer.status, answer.headers);
  response.flushHeaders();
  if (stream.buffered === true) return;
  const write = (event: WorldEvent): boolean => response.write(`event: ${event.name}\ndata: ${event.data}\n\n`);
  for (const event of stream.events) write(event);
  const stop = stream.channel?.listen(write);
  const beat = setInterval(() => response.write(': heartbeat\n\n'), stream.heartbeatMs);
  response.on('close', () => {
    clearInterval(beat);
    stop?.();
  });
}

export async function serveWorld(t: TestContext, makeWorld: (origin: string) => World): Promise<string> {
  let world: World = () => ({ status: 503 });
  const server = createServer((request, response) => {
    bodyOf(request).then(
      (body) => send(response, world({ method: request.method ?? 'GET', path: request.url ?? '/', headers: flatHeaders(request), body })),
      () => response.destroy(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  world = makeWorld(origin);
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return origin;
}
