import { createServer, request, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { obtainTokens } from './oauth-flow.js';

/**
 * A loopback proxy that adds `Authorization: Bearer <token>` to every request and streams both
 * ways (SSE included). The official conformance suite's server mode sends no credentials, so the
 * runner signs in once through Keyway's real OAuth flow and points the suite at this proxy.
 * Everything else passes through untouched — `Host`, `Origin` and the body — so the suite's
 * DNS-rebinding checks still reach Keyway's guards.
 */
export async function startTokenProxy(target: string, token: string): Promise<{ server: Server; origin: string }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, authorization: `Bearer ${token}` } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** `KEYWAY_TOKEN_PROXY_TARGET=<origin> node token-proxy.js`: signs in, serves, prints `proxy <origin>`. */
async function main(target: string): Promise<void> {
  const { access_token: token } = await obtainTokens(target, 'conformance');
  const { origin } = await startTokenProxy(target, token);
  process.stdout.write(`proxy ${origin}\n`);
}

const target = process.env['KEYWAY_TOKEN_PROXY_TARGET'];
if (target !== undefined && target !== '') {
  main(target).catch((error: unknown) => {
    process.stderr.write(`token proxy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
