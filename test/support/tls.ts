import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';

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

export async function createThrowawayPki(t: TestContext, host = 'localhost'): Promise<ThrowawayPki> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const at = (name: string): string => join(dir, name);
  await run('openssl', [
    'req', '-x509', ...EC_KEY, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=Keyway throw-away test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', '-new', ...EC_KEY, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', `/CN=${host}`]);
  await writeFile(at('server.ext'), `subjectAltName=DNS:${host},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', [
    'x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', '1', '-days', '1',
    '-extfile', at('server.ext'), '-out', at('server.pem'),
  ]);
  return { dir, caFile: at('ca.pem'), caPem: await readFile(at('ca.pem'), 'utf8'), certFile: at('server.pem'), keyFile: at('server.key') };
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

type AgentConstructor = new (options: { connect: { ca: string[] } }) => object;

/**
 * Makes this test process's `fetch` trust `caPem` besides the usual roots, until the test ends,
 * and returns a `fetch` bound to that trust for the SDK transports' `fetch` option.
 *
 * `NODE_EXTRA_CA_CERTS` is read once when Node starts, so a test cannot set it for itself. Node
 * 20's `fetch` is undici, which does not export its `Agent`; the undici package is not a
 * dependency. So `probeUrl` (an https URL served with a certificate from the CA) is fetched once
 * untrusted — which must fail, proving the TLS is real — and the agent undici installed as the
 * global dispatcher for it gives the constructor.
 */
export async function trustCaInFetch(t: TestContext, caPem: string, probeUrl: string): Promise<typeof fetch> {
  const untrusted = await fetch(probeUrl).then(
    (response) => `answered ${response.status}`,
    (error: unknown) => (error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined),
  );
  if (untrusted === undefined || untrusted.startsWith('answered')) throw new Error(`${probeUrl} ${untrusted ?? 'failed oddly'} before its CA was trusted`);
  const slot = globalThis as unknown as Record<symbol, object | undefined>;
  const previous = slot[GLOBAL_DISPATCHER];
  if (previous === undefined) throw new Error('fetch installed no global dispatcher');
  const Agent = previous.constructor as AgentConstructor;
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, caPem] } });
  slot[GLOBAL_DISPATCHER] = dispatcher;
  t.after(() => {
    slot[GLOBAL_DISPATCHER] = previous;
  });
  return (input, init) => fetch(input, { ...init, dispatcher } as RequestInit);
}
