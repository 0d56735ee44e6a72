import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRedirectUri, validateRedirectUri } from '../../../src/domain/clients/redirect-uri.js';

/**
 * Property-based tests of redirect matching (SECURITY.md "How tests run"): thousands of generated
 * registered/presented pairs, mostly near-misses, checked against an oracle written independently
 * of the implementation — exact equality, or equality without the port when both are loopback http.
 */

function accepted(uri: string): boolean {
  try {
    validateRedirectUri(uri, []);
    return true;
  } catch {
    return false;
  }
}

/** Deterministic PRNG (mulberry32), so a failure names the seed that reproduces it. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEMES = ['http', 'https', 'HTTP'];
const HOSTS = ['localhost', '127.0.0.1', '[::1]', 'LOCALHOST', 'localhost.evil.example', 'claude.ai', 'evil.example', '127.0.0.2'];
const PORTS = ['', ':1', ':80', ':443', ':8080', ':33418', ':50123', ':65535', ':65536', ':0', ':', ':08080'];
const PATHS = ['', '/', '/cb', '/cb/', '/callback', '/other', '/CB', '/cb%2F', '/a/../cb'];
const QUERIES = ['', '?', '?a=1', '?a=2', '?a=1&b=2'];
const PREFIXES = ['', 'user@', 'localhost@'];
const SUFFIXES = ['', '', '', '#', '#x', ' ', '/'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function generateUri(random: () => number): string {
  const authority = `${pick(random, PREFIXES)}${pick(random, HOSTS)}${pick(random, PORTS)}`;
  return `${pick(random, SCHEMES)}://${authority}${pick(random, PATHS)}${pick(random, QUERIES)}${pick(random, SUFFIXES)}`;
}

/** The oracle, written independently of the implementation: split the authority off by hand. */
function oraclePortless(uri: string): string | undefined {
  if (!uri.startsWith('http://')) return undefined;
  const rest = uri.slice('http://'.length);
  const cut = [...rest].findIndex((char) => char === '/' || char === '?');
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const tail = cut === -1 ? '' : rest.slice(cut);
  const colon = authority.startsWith('[') ? authority.indexOf(':', authority.indexOf(']')) : authority.indexOf(':');
  const host = colon === -1 ? authority : authority.slice(0, colon);
  const port = colon === -1 ? undefined : authority.slice(colon + 1);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return undefined;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 && port.length <= 5)) return undefined;
  return `http://${host}${tail}`;
}

function oracle(registered: readonly string[], presented: string): string | undefined {
  const portless = oraclePortless(presented);
  const matches = registered.some((uri) => uri === presented || (portless !== undefined && oraclePortless(uri) === portless));
  return matches ? presented : undefined;
}

/** A presented URI close to `uri`: one component swapped, so near-misses dominate the sample. */
function mutate(random: () => number, uri: string): string {
  const url = /^(\w+):\/\/([^/?#]*)(.*)$/.exec(uri);
  if (url === null || random() < 0.2) return generateUri(random);
  const [, scheme = '', authority = '', rest = ''] = url;
  const host = authority.replace(/:\d*$/, '');
  const port = authority.slice(host.length);
  switch (Math.floor(random() * 5)) {
    case 0:
      return `${scheme}://${host}${pick(random, PORTS)}${rest}`;
    case 4:
      return `${scheme}://${pick(random, PREFIXES)}${pick(random, HOSTS)}${random() < 0.5 ? port : pick(random, PORTS)}${rest}`;
    case 1:
      return `${scheme}://${authority}${pick(random, PATHS)}${pick(random, QUERIES)}`;
    case 2:
      return `${pick(random, SCHEMES)}://${authority}${rest}`;
    default:
      return `${uri}${pick(random, SUFFIXES)}`;
  }
}

test('C3 C4 property: matching is exact equality, or equality without the port when both are loopback http', () => {
  for (let seed = 1; seed <= 20_000; seed += 1) {
    const random = prng(seed);
    const registered = Array.from({ length: 1 + Math.floor(random() * 3) }, () => generateUri(random));
    const presented = random() < 0.1 ? pick(random, registered) : mutate(random, pick(random, registered));
    assert.equal(matchRedirectUri(registered, presented), oracle(registered, presented), `seed ${seed}: ${JSON.stringify({ registered, presented })}`);
  }
});

test('C4 property: every accepted loopback registration matches itself on every port', () => {
  const random = prng(7);
  for (let i = 0; i < 2000; i += 1) {
    const uri = generateUri(random);
    if (!accepted(uri) || !uri.startsWith('http://')) continue;
    const port = 1 + Math.floor(random() * 65535);
    const moved = uri.replace(/^(http:\/\/(?:\[::1\]|[^/:?]+))(?::\d+)?/, `$1:${port}`);
    assert.equal(matchRedirectUri([uri], moved), moved, `${uri} → ${moved}`);
  }
});
