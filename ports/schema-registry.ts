/** A Confluent-compatible schema registry, seen from the pipeline. Schemas are Avro JSON text. */
export type Compatibility =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

export interface RegisteredSchema {
  readonly id: number;
  readonly subject: string;
  readonly version: number;
  readonly schema: string;
}

export interface SchemaRegistry {
  /** registers (or finds) the schema under the subject and returns its global id */
  register(subject: string, schema: string): Promise<number>;
  /** the schema text for a global id, or undefined when the registry does not know it */
  schemaById(id: number): Promise<string | undefined>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  setCompatibility(subject: string, level: Compatibility): Promise<void>;
  /** true when the schema may be registered under the subject's compatibility level */
  isCompatible(subject: string, schema: string): Promise<boolean>;
}
