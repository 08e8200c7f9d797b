import { Type } from 'avsc';
import {
  createConfluentAvroDecoder,
  type ConfluentAvroDecoder,
  type SchemaLookup,
} from './confluent-avro';
import { readContract } from './contract-files';

/** Every version of the bid-request contract, oldest first; the last one is what the pipeline reads. */
export const BID_REQUEST_CONTRACTS = [
  'bid-requests/bid-request.v1.avsc',
  'bid-requests/bid-request.v2.avsc',
] as const;

export type BidRequestVersion = 1 | 2;

export function bidRequestSchemaText(version: BidRequestVersion): string {
  return readContract(BID_REQUEST_CONTRACTS[version - 1] as string);
}

/** Compiled Avro type of one contract version (writers use theirs, the reader uses the latest). */
export function bidRequestType(version: BidRequestVersion): Type {
  return Type.forSchema(JSON.parse(bidRequestSchemaText(version)));
}

let reader: Type | undefined;

/** The pipeline's reader schema: one instance, so compiled writers are shared by every decoder. */
export function bidRequestReaderType(): Type {
  return (reader ??= bidRequestType(2));
}

/** Decodes bid_requests records of any registered writer version into the v2 shape. */
export function createBidRequestDecoder(lookup: SchemaLookup): ConfluentAvroDecoder {
  return createConfluentAvroDecoder(bidRequestReaderType(), lookup);
}
