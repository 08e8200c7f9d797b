import { createHmac } from 'node:crypto';
import type { Pseudonymizer } from '../../ports';

/**
 * HMAC-SHA256 of the user id under a secret key, hex. Deterministic, so a user's events still
 * join; not reversible without the key. A bounded cache keeps the hot path off the hash: active
 * users repeat far more often than the cache turns over.
 */
export class HmacPseudonymizer implements Pseudonymizer {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly key: Buffer,
    private readonly cacheSize = 200_000,
  ) {
    if (key.length < 16) throw new Error('the pseudonymization key must be at least 16 bytes');
  }

  pseudonymize(userId: string): string {
    const hit = this.cache.get(userId);
    if (hit !== undefined) return hit;
    const pseudonym = createHmac('sha256', this.key).update(userId, 'utf8').digest('hex');
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(userId, pseudonym);
    return pseudonym;
  }
}
