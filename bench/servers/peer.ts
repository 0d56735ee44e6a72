import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * The peer: the official SDK's own stateless entry (`createMcpHandler`, its defaults: 2026-07-28
 * per-request serving plus the stateless 2025 fallback) with one `echo` tool and no auth, on
 * node:http through the smallest bridge that works — the way the SDK's README builds a server (a
 * fresh `McpServer` per request from the factory). `node peer.js <port>`.
 */
const factory = (): McpServer => {
  const server = new McpServer({ name: 'peer', version: '1.0.0' });
  server.registerTool('echo', { description: 'Returns its message.', inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  return server;
};

const handler = createMcpHandler(factory);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toRequest(req: IncomingMessage, body: Buffer, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'connection' && name !== 'keep-alive') headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), { method: req.method ?? 'GET', headers, ...(hasBody ? { body } : {}) });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  for await (const chunk of response.body) res.write(chunk);
  res.end();
}

const port = Number(process.argv[2] ?? 0);
const origin = `http://127.0.0.1:${port}`;
const server = createServer((req, res) => {
  readBody(req)
    .then((body) => handler.fetch(toRequest(req, body, origin)))
    .then((response) => writeResponse(res, response))
    .catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
