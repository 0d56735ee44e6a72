import type { LogFields, Logger, LogLevel } from '../../domain/ports/logger.js';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever a caller passes by mistake. */
const SECRET_FIELD = /authorization|cookie|token|secret|password|code_verifier|^code$/i;

export type LineWriter = (line: string) => void;

function redact(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
  }
  return out;
}

/**
 * One JSON object per line: `time`, `level`, `event`, then the fields. Fields named like
 * credentials are redacted as a last line of defence; callers must still never pass secrets.
 */
export function createJsonLogger(level: LogLevel, write: LineWriter, base: LogFields = {}): Logger {
  const emit = (at: LogLevel, event: string, fields: LogFields = {}): void => {
    if (RANK[at] < RANK[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, event, ...redact(base), ...redact(fields) }));
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createJsonLogger(level, write, { ...base, ...fields }),
  };
}
