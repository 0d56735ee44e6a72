import { randomBytes } from 'node:crypto';
import type { Random } from '../../domain/ports/random.js';

/** base64url of CSPRNG bytes: URL- and header-safe, no padding. */
export function createCryptoRandom(): Random {
  return { token: (bytes = 32) => randomBytes(bytes).toString('base64url') };
}
