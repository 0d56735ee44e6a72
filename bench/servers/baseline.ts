import { createServer } from 'node:http';

/**
 * The baseline: a raw node:http server that reads a JSON-RPC POST, parses it, and answers with a
 * fixed small `tools/call`-shaped result echoing the request id and message. No MCP, no auth: the
 * practical ceiling of one Node process on this hardware. `node baseline.js <port>`.
 */
interface RpcRequest {
  readonly id?: unknown;
  readonly params?: { readonly arguments?: { readonly message?: unknown } };
}

function reply(body: Buffer): string {
  const request = JSON.parse(body.toString('utf8')) as RpcRequest;
  const message = request.params?.arguments?.message;
  const text = typeof message === 'string' ? message : '';
  return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, result: { content: [{ type: 'text', text }] } });
}

const port = Number(process.argv[2] ?? 0);
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let payload: string;
    try {
      payload = reply(Buffer.concat(chunks));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
