import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogFields, Logger } from '../../../src/domain/ports/logger.js';

/** A temporary folder for one test's database; `remove` deletes it with everything in it. */
export async function tempFolder(): Promise<{ readonly dir: string; readonly dbPath: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-sqlite-'));
  return { dir, dbPath: join(dir, 'keyway.db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogEvent {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

/** A logger that keeps what it is told, for assertions. */
export function createCapturingLogger(events: LogEvent[] = []): Logger & { readonly events: LogEvent[] } {
  const log = (level: string) => (event: string, fields: LogFields = {}) => {
    events.push({ level, event, fields });
  };
  return { events, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => createCapturingLogger(events) };
}
