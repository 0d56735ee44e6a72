import { z } from 'zod';

/**
 * Keyway's configuration: environment variables, parsed once into a frozen object. A bad value stops
 * start-up with one line naming the variable and how to fix it. README's configuration table lists
 * the same variables; keep the two in step.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

const onOff = z.enum(['on', 'off']).transform((value) => value === 'on');

const publicUrl = z
  .string()
  .url()
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:' || url.protocol === 'http:', 'must be an http(s) URL')
  .refine((url) => url.search === '' && url.hash === '', 'must not carry a query or fragment')
  .refine((url) => url.pathname === '/', 'must be an origin without a path (Keyway serves /mcp and /sse at the root)')
  .refine((url) => url.protocol === 'https:' || LOOPBACK.has(url.hostname), 'must use https unless it is a loopback address');

const origin = z
  .string()
  .url()
  .refine((value) => new URL(value).origin === value.replace(/\/$/, ''), 'must be an origin like https://app.example.com');

const schema = z.object({
  KEYWAY_HOST: z.string().min(1).default('127.0.0.1'),
  KEYWAY_PORT: integer(0, 65535).default(8080),
  KEYWAY_PUBLIC_URL: publicUrl.optional(),
  KEYWAY_ALLOWED_ORIGINS: list.pipe(z.array(origin)).default([]),
  KEYWAY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  KEYWAY_PACKS: list.pipe(z.array(z.string().min(1))).default(['diagnostics']),
  KEYWAY_MCP_SESSIONS: onOff.default(false),
  KEYWAY_SESSION_IDLE_SECONDS: integer(10, 7 * 24 * 3600).default(1800),
  KEYWAY_MAX_SESSIONS: integer(1, 1_000_000).default(10_000),
  KEYWAY_MAX_SESSIONS_PER_USER: integer(1, 100_000).default(100),
  KEYWAY_SSE_HEARTBEAT_SECONDS: integer(1, 300).default(15),
  KEYWAY_SSE_MAX_BUFFER_BYTES: integer(16 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  KEYWAY_MAX_BODY_BYTES: integer(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  KEYWAY_KEEP_ALIVE_TIMEOUT_MS: integer(1000, 600_000).default(65_000),
  KEYWAY_HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(66_000),
  KEYWAY_REQUEST_TIMEOUT_MS: integer(1000, 600_000).default(90_000),
  KEYWAY_SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
});

export interface Config {
  readonly host: string;
  readonly port: number;
  /** The URL clients reach Keyway at. Every URL Keyway publishes derives from it, never from headers. */
  readonly publicUrl: URL;
  readonly allowedOrigins: readonly string[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly packs: readonly string[];
  readonly mcpSessions: boolean;
  readonly sessionIdleSeconds: number;
  readonly maxSessions: number;
  readonly maxSessionsPerUser: number;
  readonly sseHeartbeatMs: number;
  readonly sseMaxBufferBytes: number;
  readonly maxBodyBytes: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

/** The start-up failure: `message` is the one line to print. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const FIXES: Readonly<Record<string, string>> = {
  KEYWAY_PUBLIC_URL: 'set it to the https origin clients use, e.g. https://mcp.example.com',
  KEYWAY_PORT: 'use a port number from 0 to 65535',
  KEYWAY_ALLOWED_ORIGINS: 'list origins separated by commas, e.g. http://localhost:6274',
  KEYWAY_HEADERS_TIMEOUT_MS: 'make it larger than KEYWAY_KEEP_ALIVE_TIMEOUT_MS',
  KEYWAY_REQUEST_TIMEOUT_MS: 'make it at least KEYWAY_HEADERS_TIMEOUT_MS',
};

function describe(issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0] ?? 'configuration');
  const fix = FIXES[variable] ?? 'see the configuration table in README.md';
  return `${variable}: ${issue.message} (${fix})`;
}

function defaultPublicUrl(host: string, port: number): URL {
  const hostname = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return new URL(`http://${hostname}:${port}`);
}

/** Parses the environment. Throws {@link ConfigError} with one line naming the variable and the fix. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first === undefined ? 'invalid configuration' : describe(first));
  }
  const values = parsed.data;
  if (values.KEYWAY_HEADERS_TIMEOUT_MS <= values.KEYWAY_KEEP_ALIVE_TIMEOUT_MS) {
    throw new ConfigError(`KEYWAY_HEADERS_TIMEOUT_MS: must exceed the keep-alive timeout (${FIXES.KEYWAY_HEADERS_TIMEOUT_MS})`);
  }
  if (values.KEYWAY_REQUEST_TIMEOUT_MS < values.KEYWAY_HEADERS_TIMEOUT_MS) {
    throw new ConfigError(`KEYWAY_REQUEST_TIMEOUT_MS: must not be below the headers timeout (${FIXES.KEYWAY_REQUEST_TIMEOUT_MS})`);
  }
  const publicUrlValue = values.KEYWAY_PUBLIC_URL ?? defaultPublicUrl(values.KEYWAY_HOST, values.KEYWAY_PORT);
  return Object.freeze({
    host: values.KEYWAY_HOST,
    port: values.KEYWAY_PORT,
    publicUrl: publicUrlValue,
    allowedOrigins: Object.freeze(values.KEYWAY_ALLOWED_ORIGINS.map((value) => value.replace(/\/$/, ''))),
    logLevel: values.KEYWAY_LOG_LEVEL,
    packs: Object.freeze(values.KEYWAY_PACKS),
    mcpSessions: values.KEYWAY_MCP_SESSIONS,
    sessionIdleSeconds: values.KEYWAY_SESSION_IDLE_SECONDS,
    maxSessions: values.KEYWAY_MAX_SESSIONS,
    maxSessionsPerUser: values.KEYWAY_MAX_SESSIONS_PER_USER,
    sseHeartbeatMs: values.KEYWAY_SSE_HEARTBEAT_SECONDS * 1000,
    sseMaxBufferBytes: values.KEYWAY_SSE_MAX_BUFFER_BYTES,
    maxBodyBytes: values.KEYWAY_MAX_BODY_BYTES,
    keepAliveTimeoutMs: values.KEYWAY_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: values.KEYWAY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: values.KEYWAY_REQUEST_TIMEOUT_MS,
    shutdownGraceMs: values.KEYWAY_SHUTDOWN_GRACE_MS,
  });
}
