import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * A throw-away certificate authority and a server certificate it signed for `localhost` (and
 * 127.0.0.1), made with `openssl` in a temporary folder removed after the test. Unlike the
 * self-signed fixture of the outbound tests, clients here trust a CA, as they would trust a real
 * one — the server certificate is a leaf, not a trust anchor.
 */
export interface ThrowawayPki {
  readonly dir: string;
  /** PEM file of the CA certificate: what a client trusts (`NODE_EXTRA_CA_CERTS`). */
  readonly caFile: string;
  readonly caPem: string;
  /** PEM files of the server certificate and its key: what the TLS server presents. */
  readonly certFile: string;
  readonly keyFile: string;
}

const run = promisify(execFile);
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
/** openssl runs in milliseconds; this bound only turns a stuck child into an error. */
const OPENSSL_TIMEOUT_MS = 30_000;

const openssl = (args: string[]): Promise<unknown> => run('openssl', args, { timeout: OPENSSL_TIMEOUT_MS });

export async function createThrowawayPki(t: TestContext, host = 'localhost'): Promise<ThrowawayPki> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const at = (name: string): string => join(dir, name);
  await openssl([
    'req', '-x509', ...EC_KEY, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=Keyway throw-away test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', `/CN=${host}`]);
  await writeFile(at('server.ext'), `subjectAltName=DNS:${host},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await openssl([
    'x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', '1', '-days', '1',
    '-extfile', at('server.ext'), '-out', at('server.pem'),
  ]);
  return { dir, caFile: at('ca.pem'), caPem: await readFile(at('ca.pem'), 'utf8'), certFile: at('server.pem'), keyFile: at('server.key') };
}

/**
 * A `fetch` of the `undici` package with its own connection pool, trusting `caPem` besides the
 * usual roots. Nothing global changes: pass it where a request must trust the CA (the SDK
 * transports' `fetch` option, `auth()`'s `fetchFn`); a child process trusts the CA with
 * `NODE_EXTRA_CA_CERTS=<caFile>` instead. The pool is destroyed after the test — destroyed, not
 * closed, so a stream still open (an SSE response) is cut rather than waited for.
 *
 * It takes URLs or strings as input, not `Request` objects (a `Request` of Node's built-in fetch
 * is another class than undici's). Its `Response`s are undici's too.
 */
export function createTrustingFetch(t: TestContext, caPem: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, caPem] } });
  t.after(() => dispatcher.destroy());
  return ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/**
 * {@link createTrustingFetch}, after proving the TLS is real: `probeUrl` (an https URL served with
 * a certificate from the CA) must fail certificate verification when fetched without the CA.
 */
export async function trustCaInFetch(t: TestContext, caPem: string, probeUrl: string): Promise<typeof fetch> {
  const untrustingPool = new Agent();
  try {
    const untrusted = await undiciFetch(probeUrl, { dispatcher: untrustingPool }).then(
      (response) => `answered ${response.status}`,
      (error: unknown) => (error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined),
    );
    if (untrusted === undefined || untrusted.startsWith('answered')) throw new Error(`${probeUrl} ${untrusted ?? 'failed oddly'} before its CA was trusted`);
  } finally {
    await untrustingPool.destroy();
  }
  return createTrustingFetch(t, caPem);
}
