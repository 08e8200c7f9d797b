import avro from 'avsc';
import type { Compatibility, RegisteredSchema, SchemaRegistry, SchemaType } from '../../ports';
import { jsonSchemaCanRead } from './json-schema-compatibility';

/**
 * A registry in process memory with the Confluent semantics the pipeline relies on: global ids,
 * per-subject versions, re-registering the same schema returns its id, and compatibility checked
 * by real Avro schema resolution. JSON Schema (schemaType JSON) is checked by the rules in
 * json-schema-compatibility.ts, which follow Confluent's: properties may be added only to a closed
 * content model, never retyped or made required. A subject's schema type cannot change unless its
 * level is NONE.
 */
export class MemorySchemaRegistry implements SchemaRegistry {
  private readonly byId = new Map<number, string>();
  private readonly subjects = new Map<string, RegisteredSchema[]>();
  private readonly compatibility = new Map<string, Compatibility>();
  private readonly typeOfId = new Map<number, SchemaType>();
  private nextId = 1;

  constructor(private readonly defaultCompatibility: Compatibility = 'BACKWARD_TRANSITIVE') {}

  async register(
    subject: string,
    schema: string,
    schemaType: SchemaType = 'AVRO',
  ): Promise<number> {
    const canonical = canonicalSchema(schema);
    const versions = this.subjects.get(subject) ?? [];
    const existing = versions.find(
      (v) => v.schema === canonical && this.typeOfId.get(v.id) === schemaType,
    );
    if (existing) return existing.id;
    if (!(await this.isCompatible(subject, canonical, schemaType))) {
      throw new Error(
        `schema is incompatible with subject ${subject} under ${this.levelOf(subject)}`,
      );
    }
    let id = [...this.byId].find(
      ([known, s]) => s === canonical && this.typeOfId.get(known) === schemaType,
    )?.[0];
    if (id === undefined) {
      id = this.nextId++;
      this.byId.set(id, canonical);
      this.typeOfId.set(id, schemaType);
    }
    versions.push({ id, subject, version: versions.length + 1, schema: canonical });
    this.subjects.set(subject, versions);
    return id;
  }

  async schemaById(id: number): Promise<string | undefined> {
    return this.byId.get(id);
  }

  async schemaOfSubject(subject: string, id: number): Promise<string | undefined> {
    return this.subjects.get(subject)?.some((v) => v.id === id) ? this.byId.get(id) : undefined;
  }

  async latest(subject: string): Promise<RegisteredSchema | undefined> {
    const versions = this.subjects.get(subject);
    return versions?.[versions.length - 1];
  }

  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    this.compatibility.set(subject, level);
  }

  async isCompatible(
    subject: string,
    schema: string,
    schemaType: SchemaType = 'AVRO',
  ): Promise<boolean> {
    const versions = this.subjects.get(subject) ?? [];
    const level = this.levelOf(subject);
    if (level === 'NONE' || versions.length === 0) return true;
    const against = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1);
    if (against.some((v) => this.typeOfId.get(v.id) !== schemaType)) return false;
    const canRead =
      schemaType === 'JSON'
        ? jsonSchemaCanRead
        : (reader: string, writer: string) => avroCanRead(parseAvro(reader), parseAvro(writer));
    return against.every((v) => {
      const backward = canRead(schema, v.schema);
      const forward = canRead(v.schema, schema);
      if (level.startsWith('BACKWARD')) return backward;
      if (level.startsWith('FORWARD')) return forward;
      return backward && forward;
    });
  }

  private levelOf(subject: string): Compatibility {
    return this.compatibility.get(subject) ?? this.defaultCompatibility;
  }
}

/** Key order is not meaning: the same schema written twice must find its existing id. */
function canonicalSchema(text: string): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return JSON.stringify(sortKeys(JSON.parse(text)));
}

const parseAvro = (text: string): avro.Type => avro.Type.forSchema(JSON.parse(text));

function avroCanRead(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}
