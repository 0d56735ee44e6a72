import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPublicAddress, normalizeAddress } from '../../../src/adapters/outbound/address-policy.js';

function isPublic(address: string): boolean {
  const vetted = normalizeAddress(address);
  return vetted !== undefined && isPublicAddress(vetted);
}

describe('address policy (N1)', () => {
  test('N1 loopback, private, link-local, CGNAT, multicast, unspecified and documentation IPv4 are not public', () => {
    const refused = [
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1',
      '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1',
      '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.0.2.10', '198.51.100.7', '203.0.113.9', '192.0.0.170',
      '198.18.0.1', '198.19.255.255', '192.88.99.1',
    ];
    for (const address of refused) assert.equal(isPublic(address), false, address);
  });

  test('N1 IPv6 outside global unicast, and the special blocks inside it, are not public', () => {
    const refused = [
      '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1', 'ff02::1', '64:ff9b::a00:1', '100::1', '::a00:1',
      '2001:db8::1', '2001::1', '2002:a00:1::1', '3fff::1', 'fec0::1',
    ];
    for (const address of refused) assert.equal(isPublic(address), false, address);
  });

  test('N1 IPv4-mapped IPv6 is judged as the IPv4 it carries, in every spelling', () => {
    for (const address of ['::ffff:10.0.0.1', '::ffff:a00:1', '::FFFF:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '::ffff:169.254.169.254']) {
      assert.equal(isPublic(address), false, address);
    }
    assert.deepEqual(normalizeAddress('::ffff:a00:1'), { address: '10.0.0.1', family: 4 });
    assert.deepEqual(normalizeAddress('::ffff:8.8.8.8'), { address: '8.8.8.8', family: 4 });
    assert.equal(isPublic('::ffff:8.8.8.8'), true);
  });

  test('public addresses, including the neighbours of refused ranges, pass', () => {
    const allowed = [
      '8.8.8.8', '1.1.1.1', '93.184.215.14', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '172.15.255.255',
      '172.32.0.0', '169.253.255.255', '192.167.255.255', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001::200e',
      '2001:4860:4860::8888',
    ];
    for (const address of allowed) assert.equal(isPublic(address), true, address);
  });

  test('IPv6 is normalized; host names, zone ids and junk are not addresses', () => {
    assert.deepEqual(normalizeAddress('2606:4700:4700:0:0:0:0:1111'), { address: '2606:4700:4700::1111', family: 6 });
    for (const junk of ['example.com', 'fe80::1%eth0', '127.1', '', '1.2.3.4.5', '[::1]']) assert.equal(normalizeAddress(junk), undefined, junk);
  });
});
