import type { SourceRecord } from '../domain';
import type { SourceBatch } from './event-source';

/**
 * The wire formats, seen from the pipeline: a batch's raw records become what the domain
 * validates, one SourceRecord per raw record, in the same order. The decoder owns the size check
 * made before any parser sees a byte, and the cache of writer schemas. A bad record is never a
 * failure: it comes back with its typed rejection (too_large, corrupt_payload, unknown_schema,
 * invalid_value, processing_error). decode rejects only when a dependency (the schema registry)
 * cannot be asked: that is an outage to wait out, not a record to dead-letter.
 */
export interface RecordDecoder {
  decode(batch: SourceBatch): Promise<SourceRecord[]>;
}
