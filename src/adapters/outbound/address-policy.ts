import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** An address ready to connect to: IPv4-mapped IPv6 is unwrapped, IPv6 is canonical. */
export interface VettedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * IPv4 ranges that are not the public internet: this network and unspecified, RFC 1918, CGNAT,
 * loopback, link-local (cloud metadata at 169.254.169.254), IETF protocol assignments, the three
 * documentation nets, the 6to4 relay, benchmarking, multicast, reserved and broadcast.
 * @see IANA IPv4 Special-Purpose Address Registry (RFC 6890), RFC 1918, RFC 6598, RFC 5737
 */
const SPECIAL_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

/**
 * IPv6 is an allowlist: only global unicast (2000::/3) passes, so loopback, unspecified,
 * unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8, NAT64 64:ff9b::/96 and the
 * other reserved blocks never do. Inside 2000::/3 these are refused too: IETF protocol assignments
 * (Teredo, ORCHID …), documentation, and 6to4 (which embeds an arbitrary IPv4 address).
 * @see IANA IPv6 Special-Purpose Address Registry, RFC 4193, RFC 3849, RFC 9637, RFC 3056
 */
const SPECIAL_V6: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20],
];

function blockList(ranges: ReadonlyArray<readonly [string, number]>, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, type);
  return list;
}

const specialV4 = blockList(SPECIAL_V4, 'ipv4');
const globalV6 = blockList([['2000::', 3]], 'ipv6');
const specialV6 = blockList(SPECIAL_V6, 'ipv6');

/** `::ffff:a.b.c.d` as the URL serializer writes it (`::ffff:hhhh:hhhh`). */
const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

function canonicalIpv6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * Parses an IP address. IPv4-mapped IPv6 becomes the IPv4 it carries, so `::ffff:10.0.0.1` is
 * judged (and connected to) as `10.0.0.1`. Zone ids and anything not an IP give `undefined`.
 */
export function normalizeAddress(address: string): VettedAddress | undefined {
  if (isIPv4(address)) return { address, family: 4 };
  if (!isIPv6(address)) return undefined;
  const canonical = canonicalIpv6(address);
  if (canonical === undefined) return undefined;
  const mapped = MAPPED.exec(canonical);
  if (mapped === null) return { address: canonical, family: 6 };
  const high = Number.parseInt(mapped[1] ?? '0', 16);
  const low = Number.parseInt(mapped[2] ?? '0', 16);
  return { address: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: 4 };
}

/** True only for an address on the public internet. @see SECURITY.md N1 */
export function isPublicAddress(vetted: VettedAddress): boolean {
  if (vetted.family === 4) return !specialV4.check(vetted.address, 'ipv4');
  return globalV6.check(vetted.address, 'ipv6') && !specialV6.check(vetted.address, 'ipv6');
}
