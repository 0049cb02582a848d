import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TributaryError } from '../../core/errors.js';

/**
 * scrypt cost: 2^14 x 8 x 1 (the scrypt paper's interactive setting) takes ~50 ms and 16 MiB per hash,
 * so a thousand agents reconnecting after a hub restart authenticate in seconds. Generated passwords
 * carry 192 random bits, so the cost only matters for hand-picked ones. The parameters are stored with
 * each hash: raising them later keeps old hashes valid.
 */
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function scryptAsync(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; leave headroom over node's 32 MiB default
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url), with a fresh random salt; runs on the libuv thread pool. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; throws ERR_HUB_CREDENTIALS_FORMAT for a hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  const [scheme, n, r, p, salt, key] = parts;
  const numbers = [n, r, p].map(Number);
  if (parts.length !== 6 || scheme !== 'scrypt' || !numbers.every((x) => Number.isSafeInteger(x) && x > 0) || !salt || !key) {
    throw new TributaryError('ERR_HUB_CREDENTIALS_FORMAT', 'a stored password hash is not in the scrypt$N$r$p$salt$hash format: re-add the agent with `tributary hub agent add ID --replace`');
  }
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), { N: numbers[0]!, r: numbers[1]!, p: numbers[2]! });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A strong random password: 24 random bytes as 32 base64url characters (safe in shells, URLs and YAML). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
