import type { SourceRecord } from '../../domain';
import type { RecordDecoder, SchemaRegistry, SourceBatch } from '../../ports';
import { createBidRequestDecoder } from './bid-request-avro';
import type { ConfluentAvroDecoder } from './confluent-avro';
import { decodeRecords } from './decode-batch';

export interface WireRecordDecoderOptions {
  /** records larger than this are too_large, unparsed (the domain's maxRecordBytes) */
  readonly maxRecordBytes: number;
  /**
   * the registry subject a topic's writer schemas must be registered under; TopicNameStrategy
   * (`<topic>-value`) by default, as the producers use
   */
  readonly subjectOf?: (topic: string) => string;
}

const topicNameStrategy = (topic: string): string => `${topic}-value`;

/**
 * The RecordDecoder over the three wire formats (JSON impressions, CSV clicks, Confluent Avro
 * bid requests). One Avro decoder per subject lives as long as this object, so each writer schema
 * is fetched and compiled once; a schema id is looked up under the topic's subject only, so an id
 * registered for another topic is unknown_schema here, never a way to read a record with a foreign
 * schema.
 */
export class WireRecordDecoder implements RecordDecoder {
  private readonly avroBySubject = new Map<string, ConfluentAvroDecoder>();
  private readonly subjectOf: (topic: string) => string;

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly options: WireRecordDecoderOptions,
  ) {
    this.subjectOf = options.subjectOf ?? topicNameStrategy;
  }

  decode(batch: SourceBatch): Promise<SourceRecord[]> {
    const subject = this.subjectOf(batch.topic);
    const schemaById = (id: number) => this.registry.schemaOfSubject(subject, id);
    return decodeRecords(
      batch.kind,
      batch.records,
      { schemaById, bidRequestDecoder: this.avroFor(subject, schemaById) },
      this.options.maxRecordBytes,
    );
  }

  private avroFor(
    subject: string,
    schemaById: (id: number) => Promise<string | undefined>,
  ): ConfluentAvroDecoder {
    let decoder = this.avroBySubject.get(subject);
    if (!decoder) this.avroBySubject.set(subject, (decoder = createBidRequestDecoder(schemaById)));
    return decoder;
  }
}
