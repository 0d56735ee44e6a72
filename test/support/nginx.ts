import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, mkdir, mkdtemp, rm, watch, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './keyway.js';
import { createThrowawayPki } from './tls.js';

/**
 * A throw-away nginx in front of an upstream, with TLS from a throw-away CA: the ordinary
 * reverse-proxy configuration people deploy before they have read anything — response buffering
 * left on, a 60 s read timeout, HTTP/1.1 keep-alive to the upstream. Everything (config, logs,
 * pid, temp files, certificates) lives in temporary folders; nothing root-owned is written.
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
  /** The CA that signed the certificate for `localhost`, as a PEM file. */
  readonly caFile: string;
  readonly caPem: string;
}

const NGINX = '/usr/sbin/nginx';
const run = promisify(execFile);

const INSTALL = [
  `test -x ${NGINX} && exit 0`,
  'export DEBIAN_FRONTEND=noninteractive',
  'apt-get update -qq',
  'apt-get install -y -qq nginx-light || apt-get install -y -qq nginx',
].join('\n');

/**
 * Installs nginx with apt when it is missing. Test files run in parallel processes, so the install
 * runs under `flock`: the first one installs, the others wait and find it there.
 */
async function ensureNginx(): Promise<void> {
  if (await access(NGINX, constants.X_OK).then(() => true, () => false)) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const [command = 'flock', ...args] = [...asRoot, 'flock', join(tmpdir(), 'keyway-nginx-install.lock'), 'sh', '-c', INSTALL];
  try {
    await run(command, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error instanceof Error ? `${error.message}` : String(error);
    throw new Error(`nginx is not installed at ${NGINX} and installing it failed (run as root: apt-get install -y nginx-light):\n${output}`, { cause: error });
  }
}

function config(dir: string, port: number, options: NginxOptions, certFile: string, keyFile: string): string {
  const upstream = new URL(options.upstream);
  return `
user ${userInfo().username};
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream keyway {
    server ${upstream.host};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${certFile};
    ssl_certificate_key ${keyFile};
    location / {
      proxy_pass http://keyway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout ${options.readTimeoutSeconds ?? 60}s;
      ${options.ignoreAccelBuffering === true ? 'proxy_ignore_headers X-Accel-Buffering;' : ''}
    }
  }
}
`;
}

/** Resolves once nginx wrote its pid file — after it bound its listening socket. */
async function started(child: ChildProcess, dir: string, stderr: () => string): Promise<void> {
  const abort = new AbortController();
  const exited = once(child, 'exit', { signal: abort.signal }).then(([code]) => {
    throw new Error(`nginx exited with ${String(code)} at start:\n${stderr()}`);
  });
  const written = (async () => {
    const watcher = watch(dir, { signal: abort.signal });
    if (await access(join(dir, 'nginx.pid')).then(() => true, () => false)) return;
    for await (const change of watcher) if (change.filename === 'nginx.pid') return;
  })();
  try {
    await Promise.race([exited, written]);
  } finally {
    abort.abort();
    exited.catch(() => undefined);
    written.catch(() => undefined);
  }
}

export async function startNginx(t: TestContext, options: NginxOptions): Promise<RunningNginx> {
  await ensureNginx();
  const pki = await createThrowawayPki(t);
  const dir = await mkdtemp(join(tmpdir(), 'keyway-nginx-'));
  await mkdir(join(dir, 'tmp'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, port, options, pki.certFile, pki.keyFile));
  let stderr = '';
  const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  t.after(async () => {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  await started(child, dir, () => stderr);
  return { origin: `https://localhost:${port}`, caFile: pki.caFile, caPem: pki.caPem };
}
