import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './keyway.js';
import { createThrowawayPki, createTrustingFetch } from './tls.js';

/**
 * A throw-away nginx in front of an upstream, with TLS from a throw-away CA: the ordinary
 * reverse-proxy configuration people deploy before they have read anything — response buffering
 * left on, a 60 s read timeout, HTTP/1.1 keep-alive to the upstream. docs/deploy.md shows the same
 * `upstream` and `location` blocks ({@link NGINX_UPSTREAM}, {@link NGINX_LOCATION}; a test keeps
 * them identical). Each nginx has its own temporary folder (config, pid, temp files,
 * certificates), its own port and its own process group, so any number run at once; nothing
 * root-owned is written.
 */
export interface NginxOptions {
  /** `http://127.0.0.1:<port>` */
  readonly upstream: string;
  /** `proxy_read_timeout`. Default 60. */
  readonly readTimeoutSeconds?: number;
  /**
   * Adds `proxy_ignore_headers X-Accel-Buffering;` — nginx then buffers SSE as it would for a
   * server that does not send the header. Only to show what the header is for.
   */
  readonly ignoreAccelBuffering?: boolean;
}

export interface RunningNginx {
  /** `https://localhost:<port>` */
  readonly origin: string;
  /** The CA that signed the certificate for `localhost`, as a PEM file (`NODE_EXTRA_CA_CERTS` for child processes). */
  readonly caFile: string;
  readonly caPem: string;
  /** A `fetch` trusting the CA, with its own connection pool (see `createTrustingFetch`). */
  readonly fetch: typeof fetch;
  /** The nginx.conf this nginx runs. */
  readonly config: string;
}

/** The `location /` block of docs/deploy.md: what every nginx here runs, with the defaults. */
export const NGINX_LOCATION: readonly string[] = [
  'proxy_pass http://keyway;',
  'proxy_http_version 1.1;',
  'proxy_set_header Connection "";',
  'proxy_set_header Host $host;',
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_read_timeout 60s;',
];

/** The `upstream keyway` block of docs/deploy.md, after its `server` line. */
export const NGINX_UPSTREAM: readonly string[] = ['keepalive 16;'];

const run = promisify(execFile);
/** apt-get can take minutes on a fresh machine; the bound only turns a stuck install into an error. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** SIGTERM is nginx's fast shutdown; the process group is killed if it has not exited by then. */
const STOP_GRACE_MS = 5000;
/** Attempts at a free port: another process may take the one picked before nginx binds it. */
const PORT_ATTEMPTS = 5;
/** What nginx's master logs (at `notice`) once its listening sockets are open and its worker starts. */
const READY = 'start worker process';

const INSTALL = ['command -v nginx >/dev/null && exit 0', 'export DEBIAN_FRONTEND=noninteractive', 'apt-get update -qq', 'RUNLEVEL=1 apt-get install -y -qq nginx'].join('\n');

async function findNginx(): Promise<string | undefined> {
  const directories = [...(process.env['PATH'] ?? '').split(delimiter).filter((directory) => directory !== ''), '/usr/sbin'];
  for (const directory of directories) {
    const candidate = join(directory, 'nginx');
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/**
 * The nginx binary, installed with apt when it is missing (`.ci/run` installs it beforehand). Test
 * files run in parallel processes, so the install runs under `flock`: the first one installs, the
 * others wait and find it there.
 */
async function ensureNginx(): Promise<string> {
  const found = await findNginx();
  if (found !== undefined) return found;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const [command = 'flock', ...args] = [...asRoot, 'flock', join(tmpdir(), 'keyway-nginx-install.lock'), 'sh', '-c', INSTALL];
  try {
    await run(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: INSTALL_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`nginx is not installed and installing it failed (run as root: apt-get install -y nginx): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const installed = await findNginx();
  if (installed === undefined) throw new Error('apt-get installed nginx, yet no nginx binary is on the PATH or in /usr/sbin');
  return installed;
}

let nginxBinary: Promise<string> | undefined;

interface Files {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

function renderConfig(files: Files, port: number, options: NginxOptions): string {
  const { dir } = files;
  const location = NGINX_LOCATION.map((line) => (line.startsWith('proxy_read_timeout') ? `proxy_read_timeout ${options.readTimeoutSeconds ?? 60}s;` : line));
  if (options.ignoreAccelBuffering === true) location.push('proxy_ignore_headers X-Accel-Buffering;');
  return `user ${userInfo().username};
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream keyway {
    server ${new URL(options.upstream).host};
${NGINX_UPSTREAM.map((line) => `    ${line}`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${files.certFile};
    ssl_certificate_key ${files.keyFile};
    location / {
${location.map((line) => `      ${line}`).join('\n')}
    }
  }
}
`;
}

/** Stops nginx and its worker (one process group): SIGTERM, then SIGKILL after {@link STOP_GRACE_MS}. */
function stopper(child: ChildProcess): () => Promise<void> {
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const onProcessExit = (): void => killGroup('SIGKILL');
  process.once('exit', onProcessExit);
  return async () => {
    process.removeListener('exit', onProcessExit);
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    killGroup('SIGTERM');
    const deadline = setTimeout(() => killGroup('SIGKILL'), STOP_GRACE_MS);
    await exited.finally(() => clearTimeout(deadline));
  };
}

/**
 * Starts nginx; resolves with its stop function once the master logged that its worker starts
 * (after it bound the listening socket), or rejects with its stderr when it exits first.
 */
async function launch(binary: string, dir: string, conf: string): Promise<() => Promise<void>> {
  // Its own process group, so stopping it also stops a worker the master could not reap.
  const child = spawn(binary, ['-p', dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const stop = stopper(child);
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-65_536);
      if (stderr.includes(READY)) resolve();
    });
    child.once('error', reject);
    // `close`, not `exit`: by then all of stderr has been read, so the error says why.
    child.once('close', (code, signal) => reject(new Error(`nginx exited (${String(code ?? signal)}) at start:\n${stderr}`)));
  });
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

/** Starts an nginx for `options.upstream` on a free port; stopped (and its files removed) after the test. */
export async function startNginx(t: TestContext, options: NginxOptions): Promise<RunningNginx> {
  nginxBinary ??= ensureNginx();
  const binary = await nginxBinary;
  const pki = await createThrowawayPki(t);
  const dir = await mkdtemp(join(tmpdir(), 'keyway-nginx-'));
  let stop: (() => Promise<void>) | undefined;
  t.after(async () => {
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(join(dir, 'tmp'));
  const conf = join(dir, 'nginx.conf');
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const config = renderConfig({ dir, certFile: pki.certFile, keyFile: pki.keyFile }, port, options);
    await writeFile(conf, config);
    try {
      stop = await launch(binary, dir, conf);
      return { origin: `https://localhost:${port}`, caFile: pki.caFile, caPem: pki.caPem, fetch: createTrustingFetch(t, pki.caPem), config };
    } catch (error) {
      const taken = error instanceof Error && error.message.includes('Address already in use');
      if (!taken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
