import { isUtf8 } from 'node:buffer';
import { parse, type Options as ParseOptions } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { DecodedPayload } from '../../domain';
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

/** Payload checks that need no parser; undefined when the payload is worth parsing. */
function precheckClickLine(buffer: Buffer): DecodedPayload | undefined {
  if (isBlankLine(buffer)) return unreadable('corrupt_payload', 'click record is empty');
  if (!isUtf8(buffer)) return unreadable('corrupt_payload', 'click record is not valid UTF-8');
  return undefined;
}

/** One record's line → its fields. Exactly one CSV record per Kafka record, or corrupt_payload. */
export function decodeClickLine(bytes: Uint8Array): DecodedPayload {
  const buffer = asBuffer(bytes);
  const refused = precheckClickLine(buffer);
  if (refused) return refused;
  let records: string[][];
  try {
    records = parse(buffer, CLICK_CSV_OPTIONS) as string[][];
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
