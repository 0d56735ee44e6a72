import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import type { LogFields, Logger } from '../../../src/domain/ports/logger.js';

export const CERT_HOST = 'cimd.test';

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

/** A throw-away self-signed certificate for `cimd.test` and 127.0.0.1, made with openssl in a temporary folder. */
export async function createTestCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${CERT_HOST}`, '-addext', `subjectAltName=DNS:${CERT_HOST},IP:127.0.0.1`,
    ]);
    return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  readonly path: string;
  readonly host: string | undefined;
  readonly servername: string | false | null;
}

export interface TestServer {
  readonly port: number;
  /** TCP connections accepted, handshake or not. */
  readonly connections: () => number;
  readonly requests: SeenRequest[];
  /** Replaces how the server answers. */
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** A real HTTPS server on 127.0.0.1, port 0, answering with whatever `handle` set. */
export async function startTestServer(certificate: TestCertificate): Promise<TestServer> {
  let connections = 0;
  const requests: SeenRequest[] = [];
  let handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  };
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    requests.push({ path: req.url ?? '', host: req.headers.host, servername: (req.socket as TLSSocket).servername });
    handler(req, res);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests,
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

export function recordingLogger(entries: LogEntry[]): Logger {
  const at = (level: string) => (event: string, fields: LogFields = {}) => entries.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}
