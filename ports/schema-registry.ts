/**
 * A Confluent-compatible schema registry, seen from the pipeline. Schemas are Avro JSON text by
 * default; JSON Schema documents (the impressions and dead-letter contracts) are registered with
 * schemaType 'JSON'.
 */
export type Compatibility =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

/** The registry's schemaType; Confluent's default (omitted on the wire) is AVRO. */
export type SchemaType = 'AVRO' | 'JSON';

export interface RegisteredSchema {
  readonly id: number;
  readonly subject: string;
  readonly version: number;
  readonly schema: string;
}

export interface SchemaRegistry {
  /**
   * registers (or finds) the schema under the subject and returns its global id; rejects when the
   * subject's compatibility level refuses it (a Confluent registry answers 409)
   */
  register(subject: string, schema: string, schemaType?: SchemaType): Promise<number>;
  /** the schema text for a global id, or undefined when the registry does not know it */
  schemaById(id: number): Promise<string | undefined>;
  /**
   * the schema text for a global id when that id is registered under the subject (any version),
   * else undefined: a record must not be read with a schema registered for another topic
   */
  schemaOfSubject(subject: string, id: number): Promise<string | undefined>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  setCompatibility(subject: string, level: Compatibility): Promise<void>;
  /** true when the schema may be registered under the subject's compatibility level */
  isCompatible(subject: string, schema: string, schemaType?: SchemaType): Promise<boolean>;
}
