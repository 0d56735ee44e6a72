import { request } from 'node:http';

/**
 * A minimal legacy (2024-11-05) SSE client: one socket per stream, events parsed as they arrive.
 * Just enough for the benchmark: the `endpoint` event, `message` events, and `:` comments
 * (Keyway's heartbeats). @see WHATWG HTML §9.2 (event stream format)
 */
export interface SseHandlers {
  /** Each `message` event's data (one JSON-RPC message). */
  onMessage?(data: string): void;
  /** Each comment block (a heartbeat). */
  onComment?(): void;
  onClose?(): void;
}

export interface SseStream {
  /** The `/messages?sessionId=…` path from the `endpoint` event. */
  readonly endpoint: string;
  close(): void;
}

interface Parser {
  push(chunk: string): void;
}

function createParser(handlers: SseHandlers, onEndpoint: (path: string) => void): Parser {
  let buffer = '';
  const dispatch = (block: string): void => {
    if (block.startsWith(':')) {
      handlers.onComment?.();
      return;
    }
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event === 'endpoint') onEndpoint(data.join('\n'));
    else if (event === 'message' && data.length > 0) handlers.onMessage?.(data.join('\n'));
  };
  return {
    push(chunk) {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    },
  };
}

/** Opens `GET <origin><path>` with the bearer token; resolves once the `endpoint` event arrived. */
export function openSseStream(origin: string, path: string, token: string, handlers: SseHandlers = {}, timeoutMs = 30_000): Promise<SseStream> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const parser = createParser(handlers, (endpoint) => {
      clearTimeout(timer);
      resolve({ endpoint, close: () => req.destroy() });
    });
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET', agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } },
      (res) => {
        if (res.statusCode !== 200) {
          clearTimeout(timer);
          res.resume();
          reject(new Error(`GET ${path} answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.push(chunk));
        res.on('close', () => handlers.onClose?.());
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no endpoint event within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
