import { parseArgs } from 'node:util';
import { clientProfile, isClientProfileId } from '../../domain/client-profiles/index.js';
import type { DoctorOptions, DoctorTransport } from '../../domain/doctor/context.js';

/** `keyway doctor` command line → {@link DoctorOptions}; a bad argument throws {@link UsageError}. */
export const DOCTOR_USAGE = `usage: keyway doctor <url> [options]

Replays what a client does when a person pastes <url>, step by step, and stops at the first step
that would make it give up, naming the cause and the fix. Exit status 0 only when nothing fails.

  --client <id>          client to imitate: claude-ai (default), claude-ai-2026, claude-code,
                         chatgpt, cursor, vscode, mcp-remote, mcp-inspector
  --transport <t>        auto (default: Streamable HTTP, legacy SSE on the client's fallback
                         statuses), streamable (Streamable HTTP only), or sse (legacy HTTP+SSE
                         only: GET the URL for the stream, as a 2024-11-05 client does)
  --token <token>        access token for the MCP steps (or KEYWAY_DOCTOR_TOKEN)
  --refresh-token <rt>   refresh token to test refresh with (needs --token and --client-id).
                         It is used up: the server rotates it, and the doctor revokes the
                         token it rotates into at the end, which usually ends the grant
                         (--token's access token included): use tokens you can spare
  --client-id <id>       the client the refresh token was issued to
  --client-secret <s>    that client's secret, for a confidential client (or
                         KEYWAY_DOCTOR_CLIENT_SECRET); never printed
  --login                sign in at a browser (prints the URL; opens $BROWSER) and receive the
                         code on a loopback callback; the tokens are revoked at the end, also
                         when a step fails
  --json                 print the report as JSON
  --allow-private        private/loopback addresses and plain http only warn (local testing)
  --allow-any-port       a port other than 443 only warns
  --ca-file <pem>        also trust this CA (a private CA in front of a test server)
  --timeout <s>          per-request timeout (default 10: Claude's limit)
  --deadline <s>         overall deadline (default 120)
  --sse-wait <s>         wait for the SSE endpoint event (default 10)
  --heartbeat-wait <s>   wait for an SSE heartbeat after it (default 20)
  --login-wait <s>       wait for the sign-in to come back (default 300)`;

export class UsageError extends Error {}

export interface DoctorCommand {
  readonly options: DoctorOptions;
  readonly json: boolean;
  readonly caFile?: string;
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 3600) throw new UsageError(`--${name} must be a number of seconds between 0 and 3600, got '${value}'`);
  return Math.round(parsed * 1000);
}

const TRANSPORTS: readonly DoctorTransport[] = ['auto', 'streamable', 'sse'];

function transportOf(value: string | undefined): DoctorTransport {
  const transport = TRANSPORTS.find((candidate) => candidate === (value ?? 'auto'));
  if (transport === undefined) throw new UsageError(`--transport must be one of ${TRANSPORTS.join(', ')}, got '${value ?? ''}'`);
  return transport;
}

function targetUrl(value: string | undefined): string {
  if (value === undefined) throw new UsageError('the URL to check is missing');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`'${value}' is not a URL; paste it exactly as you would into the client, e.g. https://mcp.example.com/mcp`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`'${value}' is not an http(s) URL`);
  if (url.hash !== '' || url.username !== '' || url.password !== '') throw new UsageError(`'${value}' carries a fragment or credentials; clients refuse such URLs`);
  return value;
}

export function parseDoctorArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DoctorCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        client: { type: 'string' }, transport: { type: 'string' }, token: { type: 'string' }, 'refresh-token': { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
        login: { type: 'boolean' }, json: { type: 'boolean' }, 'allow-private': { type: 'boolean' }, 'allow-any-port': { type: 'boolean' },
        'ca-file': { type: 'string' }, timeout: { type: 'string' }, deadline: { type: 'string' }, 'sse-wait': { type: 'string' },
        'heartbeat-wait': { type: 'string' }, 'login-wait': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one URL only, got ${positionals.length}`);
  const client = values.client ?? 'claude-ai';
  if (!isClientProfileId(client)) throw new UsageError(`unknown --client '${client}'`);
  const token = values.token ?? env['KEYWAY_DOCTOR_TOKEN'];
  const refreshToken = values['refresh-token'];
  if (refreshToken !== undefined && (token === undefined || values['client-id'] === undefined)) throw new UsageError('--refresh-token needs --token and --client-id');
  if (values.login === true && token !== undefined) throw new UsageError('--login and --token exclude each other');
  if (values['client-secret'] !== undefined && refreshToken === undefined) throw new UsageError('--client-secret is only used with --refresh-token');
  // The environment's secret is for the refresh it authenticates; without one it is not sent anywhere.
  const clientSecret = refreshToken === undefined ? undefined : (values['client-secret'] ?? env['KEYWAY_DOCTOR_CLIENT_SECRET']);
  const options: DoctorOptions = {
    url: targetUrl(positionals[0]),
    profile: clientProfile(client),
    transport: transportOf(values.transport),
    ...(token === undefined ? {} : { token }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(values['client-id'] === undefined ? {} : { clientId: values['client-id'] }),
    ...(clientSecret === undefined || clientSecret === '' ? {} : { clientSecret }),
    login: values.login === true,
    allowPrivate: values['allow-private'] === true,
    allowAnyPort: values['allow-any-port'] === true,
    requestTimeoutMs: seconds(values.timeout, 'timeout', 10),
    deadlineMs: seconds(values.deadline, 'deadline', 120),
    sseWaitMs: seconds(values['sse-wait'], 'sse-wait', 10),
    heartbeatWaitMs: seconds(values['heartbeat-wait'], 'heartbeat-wait', 20),
    loginWaitMs: seconds(values['login-wait'], 'login-wait', 300),
  };
  return { options, json: values.json === true, ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }) };
}
