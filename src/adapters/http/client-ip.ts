import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { normalizeAddress, type VettedAddress } from '../outbound/address-policy.js';

/** The address a request is attributed to, for rate limits on unauthenticated routes and for logs. */
export interface ClientIp {
  (req: IncomingMessage): string;
  /**
   * True when a peer Keyway does not trust sent forwarding headers: either a proxy that is missing
   * from `KEYWAY_TRUST_PROXY`, or a client trying to spoof its address. Worth one warning.
   */
  forwardedFromUntrusted(req: IncomingMessage): boolean;
}

const CIDR = /^([^/]+)\/(\d{1,3})$/;

function addEntry(list: BlockList, entry: string): void {
  const [, network = entry, prefix] = CIDR.exec(entry) ?? [];
  const address = normalizeAddress(network);
  const bits = prefix === undefined ? undefined : Number(prefix);
  if (address === undefined || (bits !== undefined && bits > (address.family === 4 ? 32 : 128))) {
    throw new Error(`KEYWAY_TRUST_PROXY: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)`);
  }
  const type = address.family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(address.address, type);
  else list.addSubnet(address.address, bits, type);
}

/** One `X-Forwarded-For` hop as an address: bare, `v4:port` or `[v6]:port`. */
function parseHop(hop: string): VettedAddress | undefined {
  const token = hop.trim().replace(/^"(.*)"$/, '$1');
  if (isIP(token) !== 0) return normalizeAddress(token);
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(token);
  if (bracketed !== null) return normalizeAddress(bracketed[1] ?? '');
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(token);
  return withPort === null ? undefined : normalizeAddress(withPort[1] ?? '');
}

function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined.split(',').filter((hop) => hop.trim() !== '');
}

/**
 * Client address behind configured reverse proxies. A request from an untrusted peer is that
 * peer, whatever headers it sends, so a spoofed `X-Forwarded-For` changes nothing. From a trusted
 * proxy, `X-Forwarded-For` is read right to left and the first hop that is not itself a trusted
 * proxy is the client (hops further left were written by that client and prove nothing). A
 * malformed hop ends the walk at the last trusted proxy. IPv4-mapped IPv6 peers (`::ffff:a.b.c.d`,
 * as dual-stack sockets report them) are treated and reported as IPv4.
 * @see SECURITY.md K6, CLIENTS.md §3 "Trusted-proxy hops wrong", RFC 7239 §5.2
 */
export function createClientIp(trustedProxies: readonly string[]): ClientIp {
  const trusted = new BlockList();
  for (const entry of trustedProxies) addEntry(trusted, entry.trim());
  const isTrusted = (address: VettedAddress) => trustedProxies.length > 0 && trusted.check(address.address, address.family === 4 ? 'ipv4' : 'ipv6');
  const peerOf = (req: IncomingMessage) => normalizeAddress(req.socket.remoteAddress ?? '');

  const clientIp = (req: IncomingMessage): string => {
    const peer = peerOf(req);
    if (peer === undefined) return 'unknown';
    let nearest = peer;
    if (!isTrusted(nearest)) return nearest.address;
    for (const hop of forwardedFor(req).reverse()) {
      const address = parseHop(hop);
      if (address === undefined) return nearest.address;
      if (!isTrusted(address)) return address.address;
      nearest = address;
    }
    return nearest.address;
  };

  const forwardedFromUntrusted = (req: IncomingMessage): boolean => {
    const peer = peerOf(req);
    const forwarded = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto'].some((name) => req.headers[name] !== undefined);
    return forwarded && (peer === undefined || !isTrusted(peer));
  };

  return Object.assign(clientIp, { forwardedFromUntrusted });
}
