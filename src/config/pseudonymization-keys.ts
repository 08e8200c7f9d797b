import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  checkKeyring,
  DEFAULT_KEY_ID,
  KEY_ID_PATTERN,
  MIN_SECRET_BYTES,
} from '../../adapters/crypto/keyring';
import type { PseudonymizationKey } from '../../ports';

const HEX_SECRET = new RegExp(`^[0-9a-fA-F]{${MIN_SECRET_BYTES * 2},}$`);

/**
 * ADX_PSEUDONYMIZATION_KEYS: `id:hex[,id:hex...]`, the active key first, then the older ones that
 * are still needed to join users across a rotation (README "Rotating the pseudonymization key").
 * Every message names the entry by position and id, never by its secret.
 */
export const pseudonymizationKeysSchema = z.string().transform((text, ctx) => {
  const keys: PseudonymizationKey[] = [];
  for (const [i, entry] of text.split(',').entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const hex = colon < 0 ? '' : entry.slice(colon + 1).trim();
    const problem =
      colon < 0
        ? `entry ${i + 1}: expected <key id>:<hex secret>, e.g. k2:<64 hex>,k1:<64 hex>`
        : !KEY_ID_PATTERN.test(id)
          ? `entry ${i + 1}: the key id must be 1-16 of [A-Za-z0-9_-]`
          : !HEX_SECRET.test(hex)
            ? `key '${id}': expected at least ${MIN_SECRET_BYTES * 2} hex characters (${MIN_SECRET_BYTES} bytes)`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    keys.push({ id, secret: Buffer.from(hex, 'hex') });
  }
  try {
    return checkKeyring(keys);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export interface ConfiguredKeys {
  readonly keys: readonly PseudonymizationKey[];
  /** true when no key was configured and a random one is used for this process only */
  readonly ephemeral: boolean;
}

/** ADX_PSEUDONYMIZATION_KEYS, else ADX_PSEUDONYMIZATION_KEY as the one key `k1`, else random. */
export function configuredKeys(
  keys: readonly PseudonymizationKey[] | undefined,
  singleKeyHex: string | undefined,
): ConfiguredKeys {
  if (keys) return { keys, ephemeral: false };
  if (singleKeyHex)
    return {
      keys: [{ id: DEFAULT_KEY_ID, secret: Buffer.from(singleKeyHex, 'hex') }],
      ephemeral: false,
    };
  return { keys: [{ id: DEFAULT_KEY_ID, secret: randomBytes(32) }], ephemeral: true };
}
