import { isUtf8 } from 'node:buffer';
import { parse, type Options as ParseOptions } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CLICK_COLUMN_VERSIONS, rejection, type DecodedPayload } from '../../domain';
import { fromLatin1, isUtf8Text } from './invalid-utf8';
import { asBuffer, decoded, unreadable } from './payload';

/**
 * clicks topic: one RFC 4180 CSV line per record, no header (contracts/clicks). Column counts are
 * left to the domain (relax_column_count), which knows which counts name a contract version.
 * Record delimiters are pinned to CRLF and LF: left to auto-detection, csv-parse spends ~5x longer
 * per call (measured 26k vs 133k lines/s), and a bare CR is field data rather than a line end.
 */
const CLICK_CSV_OPTIONS: ParseOptions = {
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n'],
};

const LF = 0x0a;
const CR = 0x0d;

/** '', LF or CRLF: csv-parse would read a line break alone as one empty field */
function isBlankLine(b: Buffer): boolean {
  return (
    b.length === 0 ||
    (b.length === 1 && b[0] === LF) ||
    (b.length === 2 && b[0] === CR && b[1] === LF)
  );
}

/** One record's line → its fields. Exactly one CSV record per Kafka record, or corrupt_payload. */
export function decodeClickLine(bytes: Uint8Array): DecodedPayload {
  const buffer = asBuffer(bytes);
  if (isBlankLine(buffer)) return unreadable('corrupt_payload', 'click record is empty');
  // not UTF-8: parsed byte for byte (every CSV delimiter is ASCII), then the field is named
  const utf8 = isUtf8(buffer);
  const parsed = parseLine(utf8 ? buffer : buffer.toString('latin1'));
  if (parsed.ok && !utf8) return fieldsFromLatin1(parsed.value as string[]);
  return parsed;
}

/** The field with the bad bytes is invalid_value, by its column name where the count names one. */
function fieldsFromLatin1(fields: string[]): DecodedPayload {
  const bad = fields.findIndex((f) => !isUtf8Text(f));
  if (bad < 0) return decoded(fields.map(fromLatin1));
  const path = CLICK_COLUMN_VERSIONS.get(fields.length)?.[bad] ?? `column ${bad + 1}`;
  return { ok: false, rejection: rejection('invalid_value', path, `${path} is not valid UTF-8`) };
}

function parseLine(input: Buffer | string): DecodedPayload {
  let records: string[][];
  try {
    records = parse(input, CLICK_CSV_OPTIONS) as string[][];
  } catch (error) {
    // csv-parse quotes the offending field ("value is ..."), which can be a raw user id: the
    // detail goes to lineage and logs, so keep only what is wrong and where
    const what = (error as Error).message.replace(/, value is ".*$/s, '');
    return unreadable('corrupt_payload', `click record is not valid CSV: ${what}`);
  }
  if (records.length !== 1) {
    return unreadable('corrupt_payload', `click record holds ${records.length} CSV lines, not 1`);
  }
  return decoded(records[0]);
}

/**
 * The producer side: fields → one CSV line without a trailing newline. Fields holding commas,
 * quotes, CR or LF are quoted, so any string survives the trip (a row of one empty field cannot:
 * it is the empty line). Formula escaping stays off: it would change the bytes of ids.
 */
export function encodeClickRow(fields: readonly string[]): Buffer {
  return Buffer.from(stringify([fields as string[]], { eof: false }), 'utf8');
}
