import { isUtf8 } from 'node:buffer';
import type { DecodedPayload } from '../../domain';
import { asBuffer, decoded, unreadable } from './payload';

/**
 * impressions topic: one UTF-8 JSON document per record (contracts/impressions). Only the wire
 * format is checked here; whether the document is an impression is the domain's call.
 */
export function decodeImpressionJson(bytes: Uint8Array): DecodedPayload {
  const buffer = asBuffer(bytes);
  // Buffer#toString would quietly turn bad bytes into U+FFFD and let a mangled id through
  if (!isUtf8(buffer)) return unreadable('corrupt_payload', 'impression is not valid UTF-8');
  try {
    return decoded(JSON.parse(buffer.toString('utf8')));
  } catch (error) {
    return unreadable(
      'corrupt_payload',
      `impression is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** The producer side of the same contract. */
export function encodeImpression(document: object): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}
