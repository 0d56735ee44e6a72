import { lookup } from 'node:dns/promises';
import { connect, rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import type { AddressScope, ResolvedAddress, TlsHandshake } from '../../domain/ports/probe.js';
import { isPublicAddress, normalizeAddress } from '../outbound/address-policy.js';

/** Name resolution and a TLS handshake for the doctor, each bounded in time. */
function bounded<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function scopeOf(address: string): ResolvedAddress | undefined {
  const vetted = normalizeAddress(address);
  if (vetted === undefined) return undefined;
  const loopback = vetted.family === 4 ? vetted.address.startsWith('127.') : vetted.address === '::1';
  const scope: AddressScope = loopback ? 'loopback' : isPublicAddress(vetted) ? 'public' : 'private';
  return { address: vetted.address, family: vetted.family, scope };
}

/** Every address the system resolver gives (hosts file included), as a client on this machine sees it. */
export async function resolveHost(host: string, timeoutMs: number): Promise<readonly ResolvedAddress[]> {
  const found = isIP(host) === 0 ? await bounded(lookup(host, { all: true, verbatim: true }), timeoutMs, `resolving ${host}`) : [{ address: host }];
  return found.map((entry) => scopeOf(entry.address)).filter((entry): entry is ResolvedAddress => entry !== undefined);
}

const DAY_MS = 86_400_000;

export function handshake(host: string, port: number, timeoutMs: number, caPem: string | undefined): Promise<TlsHandshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(caPem === undefined ? {} : { ca: [...rootCertificates, caPem] }),
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake with ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const certificate = socket.getPeerCertificate();
      const validTo = new Date(certificate.valid_to);
      const subject = certificate.subject?.CN ?? certificate.subjectaltname ?? host;
      resolve({ protocol: socket.getProtocol() ?? 'TLS', validTo: validTo.toISOString().slice(0, 10), daysLeft: Math.floor((validTo.getTime() - Date.now()) / DAY_MS), subject: String(subject) });
      socket.end();
    });
  });
}
