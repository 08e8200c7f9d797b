import type {
  DecodedPayload,
  SourceCoordinates,
  SourceFormat,
  SourceKind,
  SourceRecord,
} from '../../domain';
import type { RawRecord } from '../../ports';
import { createBidRequestDecoder } from './bid-request-avro';
import type { AvroDecoded, ConfluentAvroDecoder, SchemaLookup } from './confluent-avro';
import { confluentSchemaId } from './confluent-avro';
import { decodeClickLine } from './csv-click';
import { decodeImpressionJson } from './json-impression';
import { processingError, unreadable } from './payload';

export const FORMAT_OF_KIND: Readonly<Record<SourceKind, SourceFormat>> = {
  impression: 'json',
  click_or_conversion: 'csv',
  bid_request: 'avro',
};

export interface DecodeDeps {
  /** the SchemaRegistry port's schemaById */
  readonly schemaById: SchemaLookup;
  /**
   * A long-lived decoder remembers id → schema across batches. Without one, a decoder is kept per
   * schemaById function, so passing the same deps object every batch has the same effect; a new
   * function per batch costs one registry lookup per schema id per batch (compiling is still
   * cached by schema text).
   */
  readonly bidRequestDecoder?: ConfluentAvroDecoder;
}

const decoders = new WeakMap<SchemaLookup, ConfluentAvroDecoder>();

function bidRequestDecoderFor(deps: DecodeDeps): ConfluentAvroDecoder {
  if (deps.bidRequestDecoder) return deps.bidRequestDecoder;
  let decoder = decoders.get(deps.schemaById);
  if (!decoder) decoders.set(deps.schemaById, (decoder = createBidRequestDecoder(deps.schemaById)));
  return decoder;
}

/**
 * A decoder that throws has met a record it was not written for: the record becomes a
 * processing_error rejection (dead-lettered with the error, counted) and the batch goes on.
 */
function guarded(decode: (bytes: Uint8Array) => DecodedPayload, bytes: Uint8Array): DecodedPayload {
  try {
    return decode(bytes);
  } catch (error) {
    return processingError('decoding', error);
  }
}

/** null values and oversized ones are refused before any parser sees a byte of them */
function refuseUnparsed(record: RawRecord, maxRecordBytes: number): DecodedPayload | undefined {
  if (record.value === null) {
    return unreadable('corrupt_payload', 'record has no value (tombstone)');
  }
  if (record.value.length > maxRecordBytes) {
    return unreadable(
      'too_large',
      `${record.value.length} bytes exceeds the limit of ${maxRecordBytes}`,
    );
  }
  return undefined;
}

function coordinates(
  record: RawRecord,
  format: SourceFormat,
  schemaId?: number,
): SourceCoordinates {
  const { topic, partition, offset } = record;
  return schemaId === undefined
    ? { topic, partition, offset, format }
    : { topic, partition, offset, format, schemaId };
}

/**
 * One partition's raw records → what the domain validates, in the same order. Never rejects on a
 * bad record (each gets a typed rejection); rejects only when the schema registry cannot be asked.
 * Avro writer schemas are fetched once per batch for the ids it holds, after which every record
 * decodes synchronously: no promise per record.
 */
export async function decodeRecords(
  kind: SourceKind,
  records: readonly RawRecord[],
  deps: DecodeDeps,
  maxRecordBytes: number,
): Promise<SourceRecord[]> {
  const format = FORMAT_OF_KIND[kind];
  const decoder = kind === 'bid_request' ? bidRequestDecoderFor(deps) : undefined;
  if (decoder) {
    const ids = new Set<number>();
    for (const record of records) {
      const id =
        refuseUnparsed(record, maxRecordBytes) === undefined
          ? confluentSchemaId(record.value as Uint8Array)
          : undefined;
      if (id !== undefined) ids.add(id);
    }
    await decoder.prepare(ids);
  }
  // one pass, one object per record: this runs for every record the service reads
  const out = new Array<SourceRecord>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as RawRecord;
    let payload = refuseUnparsed(record, maxRecordBytes);
    let schemaId: number | undefined;
    if (payload === undefined) {
      const bytes = record.value as Uint8Array;
      if (kind === 'impression') payload = guarded(decodeImpressionJson, bytes);
      else if (kind === 'click_or_conversion') payload = guarded(decodeClickLine, bytes);
      else {
        let avro: AvroDecoded;
        try {
          avro = (decoder as ConfluentAvroDecoder).decodePrepared(bytes);
        } catch (error) {
          avro = { payload: processingError('decoding', error) };
        }
        payload = avro.payload;
        schemaId = avro.schemaId;
      }
    }
    out[i] = {
      kind,
      source: coordinates(record, format, schemaId),
      sizeBytes: record.value?.length ?? 0,
      payload,
    };
  }
  return out;
}
