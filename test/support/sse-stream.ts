import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { LogFields, Logger } from '../../src/domain/ports/logger.js';

/** Shared by the SSE transport and endpoint tests: a logger that records, and a stream reader. */
export interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

export function recordingLogger(entries: LogEntry[]): Logger {
  const at = (level: string) => (event: string, fields: LogFields = {}) => void entries.push({ level, event, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export interface StreamReader {
  readonly response: IncomingMessage;
  /** Everything received so far. */
  text(): string;
  /** Resolves with the text once `predicate` holds for it. */
  until(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
}

export function readStream(response: IncomingMessage): StreamReader {
  let text = '';
  const waiters: Array<{ predicate: (text: string) => boolean; resolve: (text: string) => void }> = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(text)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(text);
    }
  };
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
    check();
  });
  const ended = once(response, 'end').then(() => undefined);
  // A test that tears the stream down itself never awaits `ended`; its "aborted" is expected.
  ended.catch(() => undefined);
  return {
    response,
    text: () => text,
    until: (predicate) =>
      new Promise((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      }),
    ended,
  };
}

