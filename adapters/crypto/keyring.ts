import type { PseudonymizationKey } from '../../ports';

/** The id given to a single key configured without one (ADX_PSEUDONYMIZATION_KEY). */
export const DEFAULT_KEY_ID = 'k1';
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;
export const MIN_SECRET_BYTES = 16;
/** `<keyId>.<64 hex>`: 3 to 81 characters */
export const PSEUDONYM_PATTERN = /^[A-Za-z0-9_-]{1,16}\.[0-9a-f]{64}$/;

export const formatPseudonym = (keyId: string, digestHex: string): string =>
  `${keyId}.${digestHex}`;

/** The key id a pseudonym was made with, or undefined for anything else. */
export function keyIdOf(pseudonym: string): string | undefined {
  return PSEUDONYM_PATTERN.test(pseudonym) ? pseudonym.slice(0, pseudonym.indexOf('.')) : undefined;
}

/**
 * A keyring as the adapters accept it: one bare secret (given the default id) or keys with ids,
 * the active one first. Throws on what would make pseudonyms ambiguous or guessable: no key, a
 * short secret, a bad or repeated id, or one secret under two ids. Messages never show a secret.
 */
export function checkKeyring(
  keys: Uint8Array | readonly PseudonymizationKey[],
): readonly PseudonymizationKey[] {
  const ring = keys instanceof Uint8Array ? [{ id: DEFAULT_KEY_ID, secret: keys }] : [...keys];
  if (ring.length === 0) throw new Error('at least one pseudonymization key is needed');
  const ids = new Set<string>();
  const secrets = new Set<string>();
  for (const [i, key] of ring.entries()) {
    if (!KEY_ID_PATTERN.test(key.id))
      throw new Error(`pseudonymization key #${i + 1}: its id must be 1-16 of [A-Za-z0-9_-]`);
    if (ids.has(key.id)) throw new Error(`pseudonymization key id '${key.id}' is given twice`);
    if (key.secret.length < MIN_SECRET_BYTES)
      throw new Error(
        `pseudonymization key '${key.id}' must be at least ${MIN_SECRET_BYTES} bytes`,
      );
    const secret = Buffer.from(key.secret).toString('hex');
    if (secrets.has(secret))
      throw new Error(`pseudonymization key '${key.id}' repeats the secret of another key`);
    ids.add(key.id);
    secrets.add(secret);
  }
  return ring.map((k) => ({ id: k.id, secret: Uint8Array.from(k.secret) }));
}
