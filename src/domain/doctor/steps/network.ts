import type { DoctorContext } from '../context.js';
import { describeError } from '../context.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';

/**
 * Before any request: hosted clients refuse a name whose A records are not all globally
 * routable, an AAAA-only name, a port other than 443, and a TLS handshake that does not complete
 * (CLIENTS.md 1.11). A client running on the person's machine has none of these limits.
 */
const hosted = (context: DoctorContext): boolean => context.options.profile.runsFrom === 'hosted';

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export async function checkDns(context: DoctorContext): Promise<StepResult> {
  const host = hostOf(context.target);
  let addresses;
  const timeoutMs = Math.min(context.options.requestTimeoutMs, context.remainingMs());
  try {
    addresses = await context.ports.probe.resolve(host, timeoutMs);
  } catch (error) {
    if (context.cutByDeadline(timeoutMs, context.options.requestTimeoutMs)) throw context.deadlineAbort();
    return fail('dns', `${host}: no answer`, `the name does not resolve: ${describeError(error)}`, `Publish an A record for ${host} pointing at the server's public IPv4 address.`);
  }
  const v4 = addresses.filter((entry) => entry.family === 4);
  const listed = addresses.map((entry) => entry.address).join(', ');
  if (v4.length === 0) {
    return fail('dns', `${host} → ${listed || 'nothing'} (no A record)`, 'hosted clients connect over IPv4 only and refuse an AAAA-only name', `Add an A record for ${host} with a public IPv4 address.`);
  }
  const nonPublic = v4.filter((entry) => entry.scope !== 'public');
  if (nonPublic.length === 0) return pass('dns', `${host} → ${listed}`);
  const which = nonPublic.map((entry) => `${entry.address} (${entry.scope})`).join(', ');
  const cause = `hosted clients refuse a name with a ${nonPublic[0]?.scope ?? 'private'} A record before sending any request: ${which}`;
  const literal = /^[\d.]+$/.test(host) || host.includes(':');
  const fix = literal
    ? 'Paste a URL with a public host name whose A records are public IPv4 addresses.'
    : `Point every A record of ${host} at a public IPv4 address (split-horizon and private names never work from Anthropic's cloud).`;
  if (!hosted(context)) return pass('dns', `${host} → ${listed} (reachable from this machine; a hosted client would refuse it)`);
  if (context.options.allowPrivate) return warn('dns', `${host} → ${listed}`, `${cause} (allowed by --allow-private)`, fix);
  return fail('dns', `${host} → ${listed}`, cause, fix);
}

export async function checkTls(context: DoctorContext): Promise<StepResult> {
  const { target } = context;
  if (target.protocol === 'http:') {
    const cause = 'hosted clients reach connectors over https only';
    const fix = 'Serve the MCP URL over https with a certificate from a public CA (terminate TLS at a reverse proxy: docs/deploy.md).';
    if (!hosted(context)) return skip('tls', 'plain http (a client on this machine accepts it)');
    if (context.options.allowPrivate) return warn('tls', 'plain http', `${cause} (allowed by --allow-private)`, fix);
    return fail('tls', 'plain http', cause, fix);
  }
  const port = target.port === '' ? 443 : Number(target.port);
  const timeoutMs = Math.min(context.options.requestTimeoutMs, context.remainingMs());
  try {
    const handshake = await context.ports.probe.handshake(hostOf(target), port, timeoutMs);
    const measured = `${handshake.protocol}, certificate for ${handshake.subject} valid until ${handshake.validTo}`;
    if (handshake.daysLeft < 14) return warn('tls', measured, `the certificate expires in ${handshake.daysLeft} days`, 'Renew the certificate (automate it: certbot, Caddy, or your CDN).');
    return pass('tls', measured);
  } catch (error) {
    if (context.cutByDeadline(timeoutMs, context.options.requestTimeoutMs)) throw context.deadlineAbort();
    return fail('tls', 'handshake failed', `TLS did not complete: ${describeError(error)}; Claude shows "Couldn't reach"`, 'Serve a complete certificate chain from a public CA for this exact host name, and make sure nothing resets the connection.');
  }
}

export async function checkPort(context: DoctorContext): Promise<StepResult> {
  const { target } = context;
  const port = target.port === '' ? (target.protocol === 'http:' ? 80 : 443) : Number(target.port);
  if (port === 443) return pass('port', '443');
  if (!hosted(context)) return skip('port', `${port} (a client on this machine connects to any port)`);
  const cause = `hosted clients connect to port 443 only, not ${port}`;
  const fix = `Serve the MCP URL on port 443 (a reverse proxy on 443 in front of the server) and paste it without a port.`;
  if (context.options.allowAnyPort) return warn('port', String(port), `${cause} (allowed by --allow-any-port)`, fix);
  return fail('port', String(port), cause, fix);
}
