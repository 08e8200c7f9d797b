import { isUtf8 } from 'node:buffer';
import { rejection, type DecodedPayload } from '../../domain';
import { firstInvalidUtf8 } from './invalid-utf8';
import { asBuffer, decoded, unreadable } from './payload';

/**
 * Deepest nesting a document may have. An impression is flat; a document nested thousands deep
 * costs JSON.parse (which recurses) and every walk over it far more than its size suggests, so it
 * is refused by a linear scan before it is parsed, as the Avro bounds walk refuses deep values.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const OPENERS = [OPEN_ARRAY, OPEN_OBJECT] as const;

/**
 * Whether the document holds at most `limit` opening brackets, counted by the native byte search:
 * then it cannot nest deeper, whatever sits in strings, and the byte-by-byte scan is skipped.
 */
function fewBrackets(buffer: Buffer, limit: number): boolean {
  let count = 0;
  for (const open of OPENERS)
    for (let i = buffer.indexOf(open); i !== -1; i = buffer.indexOf(open, i + 1))
      if (++count > limit) return false;
  return true;
}

/** the document's nesting depth, counting brackets outside strings, or Infinity past the limit */
function nestingDepth(buffer: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buffer.length; i++) {
    const b = buffer[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return Infinity;
      if (depth > max) max = depth;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return max;
}

/**
 * impressions topic: one UTF-8 JSON document per record (contracts/impressions). Only the wire
 * format is checked here; whether the document is an impression is the domain's call.
 */
export function decodeImpressionJson(bytes: Uint8Array): DecodedPayload {
  const buffer = asBuffer(bytes);
  if (!fewBrackets(buffer, MAX_JSON_DEPTH) && nestingDepth(buffer) > MAX_JSON_DEPTH)
    return unreadable('corrupt_payload', `impression nests deeper than ${MAX_JSON_DEPTH} levels`);
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
