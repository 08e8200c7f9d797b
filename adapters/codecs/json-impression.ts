import { isUtf8 } from 'node:buffer';
import { rejection, type DecodedPayload } from '../../domain';
import { firstInvalidUtf8 } from './invalid-utf8';
import { asBuffer, decoded, unreadable } from './payload';

/**
 * impressions topic: one UTF-8 JSON document per record (contracts/impressions). Only the wire
 * format is checked here; whether the document is an impression is the domain's call.
 */
export function decodeImpressionJson(bytes: Uint8Array): DecodedPayload {
  const buffer = asBuffer(bytes);
  // Buffer#toString would quietly turn bad bytes into U+FFFD and let a mangled id through
  if (!isUtf8(buffer)) return invalidText(buffer);
  try {
    return decoded(JSON.parse(buffer.toString('utf8')));
  } catch (error) {
    // V8 quotes the start of the input in its message, and that can hold a raw user id: the
    // detail goes to lineage and logs, so keep only what is wrong and where
    const what = (error as Error).message.replace(/, (?:\.\.\.)?".*$/s, '');
    return unreadable('corrupt_payload', `impression is not valid JSON: ${what}`);
  }
}

/**
 * A document that is not UTF-8: when it is JSON read byte for byte, the field holding the bad
 * bytes is invalid_value at its path (as in every format); when it is not JSON, corrupt_payload.
 */
function invalidText(buffer: Buffer): DecodedPayload {
  let document: unknown;
  try {
    document = JSON.parse(buffer.toString('latin1'));
  } catch {
    return unreadable('corrupt_payload', 'impression is neither valid UTF-8 nor JSON');
  }
  const bad = firstInvalidUtf8(document);
  if (!bad) return unreadable('corrupt_payload', 'impression is not valid UTF-8');
  const where = bad.path || 'the document';
  const detail = bad.inKey
    ? `a field name in ${where} is not valid UTF-8`
    : `${where} is not valid UTF-8`;
  return { ok: false, rejection: rejection('invalid_value', bad.path, detail) };
}

/** The producer side of the same contract. */
export function encodeImpression(document: object): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}
