import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createAesGcmSealer, type KeyMaterial } from '../../../src/adapters/crypto/sealer.js';
import { isDomainError } from '../../../src/domain/errors.js';

const keyA: KeyMaterial = { kid: 'key-a', key: randomBytes(32) };
const keyB: KeyMaterial = { kid: 'key-b', key: randomBytes(32) };

function assertSealedInvalid(run: () => unknown): void {
  assert.throws(run, (error: unknown) => isDomainError(error) && error.code === 'sealed_invalid');
}

/** Replaces the character at `index` of `text` by another base64url character. */
function flip(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('AES-256-GCM sealer', () => {
  const sealer = createAesGcmSealer({ current: keyA });

  test('M3 round trip; the output carries version, key id, nonce and ciphertext, not the plaintext', () => {
    const plaintext = 'gho_upstream-token-éè';
    const sealed = sealer.seal(plaintext);
    assert.equal(sealer.open(sealed), plaintext);
    const parts = sealed.split('.');
    assert.equal(parts.length, 4);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], 'key-a');
    assert.equal(Buffer.from(parts[2] ?? '', 'base64url').length, 12);
    assert.equal(sealed.includes('upstream'), false);
    assert.equal(sealer.open(sealer.seal('')), '');
  });

  test('M3 every seal uses a fresh nonce', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 200; i += 1) nonces.add(sealer.seal('same').split('.')[2] ?? '');
    assert.equal(nonces.size, 200);
  });

  test('M3 tampering with any part is refused with sealed_invalid', () => {
    const sealed = sealer.seal('secret value');
    const [version, kid, nonce, body] = sealed.split('.') as [string, string, string, string];
    assertSealedInvalid(() => sealer.open(`v2.${kid}.${nonce}.${body}`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${flip(nonce, 3)}.${body}`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${nonce}.${flip(body, 2)}`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${nonce}.${flip(body, body.length - 3)}`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${nonce}.${body.slice(0, -4)}`));
    assertSealedInvalid(() => sealer.open(`${sealed}.extra`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${nonce}`));
    assertSealedInvalid(() => sealer.open(`${version}.${kid}.${nonce}.${body}=`));
    assertSealedInvalid(() => sealer.open(''));
  });

  test('L1 an unknown key id, or a value relabelled to another known key, is refused', () => {
    const other = createAesGcmSealer({ current: keyB });
    assertSealedInvalid(() => sealer.open(other.seal('x')));
    const both = createAesGcmSealer({ current: keyA, previous: [keyB] });
    const relabelled = sealer.seal('x').replace('.key-a.', '.key-b.');
    assertSealedInvalid(() => both.open(relabelled));
  });

  test('L1 after key rotation old values still open and new ones carry the new key id', () => {
    const old = createAesGcmSealer({ current: keyA });
    const sealedBefore = old.seal('before rotation');
    const rotated = createAesGcmSealer({ current: keyB, previous: [keyA] });
    assert.equal(rotated.open(sealedBefore), 'before rotation');
    const sealedAfter = rotated.seal('after rotation');
    assert.equal(sealedAfter.split('.')[1], 'key-b');
    assertSealedInvalid(() => old.open(sealedAfter));
  });

  test('malformed keys stop construction', () => {
    assert.throws(() => createAesGcmSealer({ current: { kid: 'short', key: randomBytes(16) } }), /32 bytes/);
    assert.throws(() => createAesGcmSealer({ current: { kid: 'has.dot', key: randomBytes(32) } }), /key id/);
    assert.throws(() => createAesGcmSealer({ current: keyA, previous: [{ kid: 'key-a', key: randomBytes(32) }] }), /two keys/);
  });

  test('a key buffer changed after construction does not change the sealer', () => {
    const key = randomBytes(32);
    const own = createAesGcmSealer({ current: { kid: 'k', key } });
    const sealed = own.seal('stable');
    key.fill(0);
    assert.equal(own.open(sealed), 'stable');
  });
});
