/** Structured log fields. Never put a credential here: adapters log fields verbatim. */
export type LogFields = Readonly<Record<string, unknown>>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured, leveled logging. One event per call; `event` is a stable machine-readable name. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event it writes. */
  child(fields: LogFields): Logger;
}
