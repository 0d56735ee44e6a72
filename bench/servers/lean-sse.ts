import { createServer } from 'node:http';

/**
 * The idle-stream reference: a hand-written legacy SSE endpoint on raw node:http — `GET` answers
 * with the SSE headers, an `endpoint` event, and a `:` comment every heartbeat, nothing else. What
 * one open stream costs Node itself. `node lean-sse.js <port> <heartbeat seconds>`.
 */
const port = Number(process.argv[2] ?? 0);
const heartbeatMs = Number(process.argv[3] ?? 15) * 1000;
let next = 0;

const server = createServer((req, res) => {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET' }).end();
    return;
  }
  next += 1;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(`event: endpoint\ndata: /messages?sessionId=${next}\n\n`);
  const heartbeat = setInterval(() => res.write(': keepalive\n\n'), heartbeatMs);
  res.on('close', () => clearInterval(heartbeat));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
