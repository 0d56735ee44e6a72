import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoopbackCallback, SignInPort } from '../../domain/ports/probe.js';

/**
 * `doctor --login`: a loopback redirect URI on a free port (RFC 8252 §7.3) that receives the
 * authorization response once, and the authorization URL shown to the person — printed always,
 * and opened with `$BROWSER` when it is set (nothing is opened otherwise: the doctor also runs on
 * servers without a desktop).
 */
export interface SignInOptions {
  /** Where the "open this URL" line goes (stderr in the CLI). */
  readonly write: (line: string) => void;
  /** The `BROWSER` environment variable: a command that takes the URL as its argument. */
  readonly browser?: string;
  /** Replaces the browser (tests drive the sign-in themselves). */
  readonly open?: (url: string) => Promise<void>;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>keyway doctor</title><p>Signed in. You can close this window and return to the terminal.</p>';

async function listen(): Promise<LoopbackCallback> {
  let deliver: (query: URLSearchParams) => void = () => undefined;
  const arrived = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    deliver(url.searchParams);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    receive: (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nothing arrived at the loopback callback within ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openWith(browser: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(browser, [url], { stdio: 'ignore', detached: true });
    child.once('error', (error) => reject(new Error(`BROWSER=${browser} could not start: ${error.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

export function createSignIn(options: SignInOptions): SignInPort {
  return {
    listen,
    open: async (url) => {
      options.write(`Sign in at: ${url}`);
      if (options.open !== undefined) return options.open(url);
      if (options.browser !== undefined && options.browser !== '') await openWith(options.browser, url);
    },
  };
}
