import type { PseudonymizationKey, Pseudonymizer } from '../../ports';
import { checkKeyring, formatPseudonym } from '../crypto/keyring';
import { fmix32 } from '../../domain/text-arena';

/**
 * The Pseudonymizer port without cryptography, for in-memory wiring and tests that want no
 * node:crypto: a keyed, deterministic 256-bit mix (eight 32-bit FNV-1a lanes seeded by the key,
 * each finished with murmur3's avalanche). It hides ids from a casual reader, not from an
 * attacker: never use it where pseudonyms leave the process (HmacPseudonymizer does that).
 */
export class MemoryPseudonymizer implements Pseudonymizer {
  readonly activeKeyId: string;
  private readonly keys: readonly { readonly id: string; readonly seeds: Uint32Array }[];

  constructor(keys: Uint8Array | readonly PseudonymizationKey[]) {
    this.keys = checkKeyring(keys).map((k) => ({ id: k.id, seeds: seedsOf(k.secret) }));
    this.activeKeyId = this.keys[0]?.id ?? '';
  }

  pseudonymize(userId: string): string {
    const key = this.keys[0];
    if (!key) throw new Error('no key');
    return formatPseudonym(key.id, digest(key.seeds, userId));
  }

  previousPseudonyms(userId: string): readonly string[] {
    return this.keys.slice(1).map((k) => formatPseudonym(k.id, digest(k.seeds, userId)));
  }
}

const LANES = 8;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** one seed per lane, each depending on every byte of the secret */
function seedsOf(secret: Uint8Array): Uint32Array {
  const seeds = new Uint32Array(LANES);
  for (let lane = 0; lane < LANES; lane++) {
    let h = FNV_OFFSET ^ Math.imul(lane + 1, 0x9e3779b9);
    for (const byte of secret) h = Math.imul(h ^ byte, FNV_PRIME);
    seeds[lane] = fmix32(h);
  }
  return seeds;
}

function digest(seeds: Uint32Array, userId: string): string {
  const bytes = new TextEncoder().encode(userId);
  let out = '';
  for (let lane = 0; lane < LANES; lane++) {
    let h = seeds[lane] as number;
    for (const byte of bytes) h = Math.imul(h ^ byte, FNV_PRIME);
    // the length and the lane, so '' and prefixes of one id still spread over every lane
    h = Math.imul(h ^ bytes.length, FNV_PRIME) ^ lane;
    out += fmix32(h).toString(16).padStart(8, '0');
  }
  return out;
}
