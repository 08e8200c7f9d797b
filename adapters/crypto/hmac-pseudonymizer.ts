import { createHmac } from 'node:crypto';
import type { PseudonymizationKey, Pseudonymizer } from '../../ports';
import { checkKeyring, formatPseudonym } from './keyring';

/**
 * HMAC-SHA256 of the user id under a secret key, hex, prefixed with the key's id. Deterministic,
 * so a user's events still join; not reversible without the key. A bounded cache keeps the hot
 * path off the hash: active users repeat far more often than the cache turns over.
 */
export class HmacPseudonymizer implements Pseudonymizer {
  readonly activeKeyId: string;
  private readonly keys: readonly PseudonymizationKey[];
  private readonly cache = new Map<string, string>();
  private readonly previousCache = new Map<string, readonly string[]>();

  /** `keys`: the active key first, then the older ones; a bare secret gets the default id */
  constructor(
    keys: Uint8Array | readonly PseudonymizationKey[],
    private readonly cacheSize = 200_000,
  ) {
    this.keys = checkKeyring(keys);
    this.activeKeyId = (this.keys[0] as PseudonymizationKey).id;
  }

  pseudonymize(userId: string): string {
    const hit = this.cache.get(userId);
    if (hit !== undefined) return hit;
    const pseudonym = hmac(this.keys[0] as PseudonymizationKey, userId);
    remember(this.cache, this.cacheSize, userId, pseudonym);
    return pseudonym;
  }

  previousPseudonyms(userId: string): readonly string[] {
    if (this.keys.length === 1) return [];
    const hit = this.previousCache.get(userId);
    if (hit !== undefined) return hit;
    const pseudonyms = Object.freeze(this.keys.slice(1).map((key) => hmac(key, userId)));
    remember(this.previousCache, this.cacheSize, userId, pseudonyms);
    return pseudonyms;
  }
}

const hmac = (key: PseudonymizationKey, userId: string): string =>
  formatPseudonym(key.id, createHmac('sha256', key.secret).update(userId, 'utf8').digest('hex'));

function remember<V>(cache: Map<string, V>, size: number, key: string, value: V): void {
  if (cache.size >= size) cache.clear();
  cache.set(key, value);
}
