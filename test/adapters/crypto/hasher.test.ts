import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';

describe('SHA-256 hasher', () => {
  const hasher = createSha256Hasher();

  test('PKCE S256: the RFC 7636 Appendix B verifier hashes to its challenge', () => {
    assert.equal(hasher.hash('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  test('M3 digests are base64url without padding and hash the UTF-8 bytes', () => {
    const digest = hasher.hash('jeton-é');
    assert.match(digest, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(digest, hasher.hash('jeton-e'));
    assert.equal(hasher.hash(''), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  test('equal compares digests exactly, including different lengths', () => {
    const digest = hasher.hash('a token');
    assert.equal(hasher.equal(digest, hasher.hash('a token')), true);
    assert.equal(hasher.equal(digest, hasher.hash('another token')), false);
    assert.equal(hasher.equal(digest, digest.slice(0, -1)), false);
    assert.equal(hasher.equal(digest, ''), false);
    assert.equal(hasher.equal('', ''), true);
  });
});
