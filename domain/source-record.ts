import type { Rejection } from './rejection';

export type SourceFormat = 'json' | 'csv' | 'avro';

/** Which of the source contracts a topic carries; the CSV topic carries clicks and conversions. */
export type SourceKind = 'impression' | 'click_or_conversion' | 'bid_request';

export const SOURCE_KINDS: readonly SourceKind[] = [
  'impression',
  'click_or_conversion',
  'bid_request',
];

/** Where a record came from: enough to find it again in Kafka. Offsets are int64, kept as strings. */
export interface SourceCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly format: SourceFormat;
  readonly schemaId?: number;
}

/**
 * What the decoding stage hands the domain: the payload parsed from its wire format (a JSON value,
 * the fields of one CSV line, or an Avro record), or the reason it could not be parsed. Decoding
 * lives in adapters because Avro needs the schema registry; everything after it is pure.
 */
export type DecodedPayload =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly rejection: Rejection };

export interface SourceRecord {
  readonly kind: SourceKind;
  readonly source: SourceCoordinates;
  readonly sizeBytes: number;
  readonly payload: DecodedPayload;
}
