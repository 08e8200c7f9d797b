/** A secret HMAC key and the id recorded in every pseudonym made with it. */
export interface PseudonymizationKey {
  /** 1-16 characters of [A-Za-z0-9_-]; never reused for another secret */
  readonly id: string;
  /** at least 16 bytes */
  readonly secret: Uint8Array;
}

/**
 * Turns a user id into a stable pseudonym (keyed HMAC), so no raw identifier leaves the processor.
 * A pseudonym is `<keyId>.<64 hex>`: the id of the key that made it, then the digest.
 */
export interface Pseudonymizer {
  /** id of the active key: the one `pseudonymize` uses */
  readonly activeKeyId: string;
  pseudonymize(userId: string): string;
  /**
   * The same user's pseudonyms under every other configured key, in configured order (the
   * active key comes first in the configuration, so these are normally the older keys, newest
   * first). Empty with one key. Rules that join one user's events across time (attribution)
   * look these up too, so a user seen before a key rotation is still the same user after it.
   */
  previousPseudonyms(userId: string): readonly string[];
}
