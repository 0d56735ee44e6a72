import { createServer } from 'node:http';

/**
 * The cold-start reference: a node:http process that does nothing but answer (401, like Keyway's
 * first answer to an unauthenticated MCP request). `node bare.js <port>`.
 */
const port = Number(process.argv[2] ?? 0);
const server = createServer((_req, res) => {
  res.writeHead(401, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
