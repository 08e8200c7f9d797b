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
    // V8 quotes the start of the input in its message, and that can hold a raw user id: the
    // detail goes to lineage and logs, so keep only what is wrong and where
    const what = (error as Error).message.replace(/, (?:\.\.\.)?".*$/s, '');
    return unreadable('corrupt_payload', `impression is not valid JSON: ${what}`);
  }
}

/** The producer side of the same contract. */
export function encodeImpression(document: object): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}
