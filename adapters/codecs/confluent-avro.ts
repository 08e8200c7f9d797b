import { Type } from 'avsc';
import { rejection, type DecodedPayload } from '../../domain';
import { checkAvroBody } from './avro-bounds';
import { asBuffer, decoded } from './payload';

/**
 * Confluent wire format: magic byte 0, the writer schema's registry id (4 bytes, big-endian),
 * then the Avro binary body. The writer schema is fetched by id and resolved against the reader
 * schema (the contract's latest version), so every writer version decodes to one shape.
 */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

/** The SchemaRegistry port's schemaById: schema text, or undefined when the id is not registered. */
export type SchemaLookup = (id: number) => Promise<string | undefined>;

export interface AvroDecoded {
  readonly payload: DecodedPayload;
  /** the writer schema id from the header, when the header could be read */
  readonly schemaId?: number;
}

export interface ConfluentAvroDecoder {
  /** fetch and compile the writer schemas of these ids that are not cached yet */
  prepare(schemaIds: Iterable<number>): Promise<void>;
  /** decode with cached schemas only: an id not prepared, or not registered, is unknown_schema */
  decodePrepared(bytes: Uint8Array): AvroDecoded;
  decode(bytes: Uint8Array): Promise<AvroDecoded>;
}

/** The schema id in the header, or undefined when the bytes are not Confluent framed. */
export function confluentSchemaId(bytes: Uint8Array): number | undefined {
  if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return undefined;
  return asBuffer(bytes).readInt32BE(1);
}

export function encodeConfluentAvro(schemaId: number, type: Type, value: unknown): Buffer {
  return frameConfluentAvro(schemaId, type.toBuffer(value));
}

/** An Avro body already encoded, behind the Confluent header (magic byte, schema id). */
export function frameConfluentAvro(schemaId: number, body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeConfluentAvro(framed, 0, schemaId, body);
  return framed;
}

/** Writes the framed value at `at` in `target` (HEADER_BYTES + body.length bytes); returns its end. */
export function writeConfluentAvro(
  target: Buffer,
  at: number,
  schemaId: number,
  body: Buffer,
): number {
  target.writeUInt8(MAGIC_BYTE, at);
  target.writeInt32BE(schemaId, at + 1);
  body.copy(target, at + HEADER_BYTES);
  return at + HEADER_BYTES + body.length;
}

/** avsc declares its Resolver class without exporting it. */
type Resolver = ReturnType<Type['createResolver']>;

/** A registered schema is immutable, so both outcomes of compiling it can be kept for good. */
type CompiledWriter =
  | {
      readonly ok: true;
      readonly reader: Type;
      readonly writer: Type;
      readonly resolver: Resolver;
    }
  | { readonly ok: false; readonly detail: string };

function compile(reader: Type, schemaId: number, text: string): CompiledWriter {
  try {
    const writer = Type.forSchema(JSON.parse(text));
    return { ok: true, reader, writer, resolver: reader.createResolver(writer) };
  } catch (error) {
    const detail = `writer schema ${schemaId} cannot be read as ${reader.name ?? 'the contract'}: ${(error as Error).message}`;
    return { ok: false, detail };
  }
}

const refuse = (
  reason: 'corrupt_payload' | 'unknown_schema' | 'invalid_value',
  detail: string,
  schemaId?: number,
  path = '',
): AvroDecoded => {
  const payload: DecodedPayload = { ok: false, rejection: rejection(reason, path, detail) };
  return schemaId === undefined ? { payload } : { payload, schemaId };
};

function decodeBody(bytes: Uint8Array, compiled: CompiledWriter, schemaId: number): AvroDecoded {
  if (!compiled.ok) return refuse('unknown_schema', compiled.detail, schemaId);
  const buffer = asBuffer(bytes);
  // avsc trusts counts and lengths: a hostile one must be refused before avsc loops over it
  const bounds = checkAvroBody(compiled.writer, buffer, HEADER_BYTES);
  if (!bounds.ok) return refuse(bounds.reason, bounds.detail, schemaId, bounds.path);
  try {
    const { value, offset } = compiled.reader.decode(buffer, HEADER_BYTES, compiled.resolver);
    if (offset < 0) return refuse('corrupt_payload', 'Avro body is truncated', schemaId);
    if (offset !== bytes.length) {
      return refuse(
        'corrupt_payload',
        `${bytes.length - offset} bytes after the Avro body`,
        schemaId,
      );
    }
    return { payload: decoded(value), schemaId };
  } catch (error) {
    // avsc throws on bad enum indexes, longs beyond 2^53 and the like
    return refuse(
      'corrupt_payload',
      `Avro body does not decode: ${(error as Error).message}`,
      schemaId,
    );
  }
}

/**
 * Compiled writers, per reader, by schema text: a decoder made per batch (as decodeRecords does
 * when it is handed only a lookup function) still compiles each writer schema once per process.
 */
const compiledByReader = new WeakMap<Type, Map<string, CompiledWriter>>();
const MAX_COMPILED_PER_READER = 1000;

function compileCached(reader: Type, schemaId: number, text: string): CompiledWriter {
  let byText = compiledByReader.get(reader);
  if (!byText) compiledByReader.set(reader, (byText = new Map()));
  let compiled = byText.get(text);
  if (!compiled) {
    compiled = compile(reader, schemaId, text);
    // a registry serving endless distinct schemas must not grow this without bound
    if (byText.size >= MAX_COMPILED_PER_READER) byText.clear();
    byText.set(text, compiled);
  }
  return compiled;
}

/**
 * Registry hits are cached for the life of the decoder (ids are never reused); misses are not,
 * because a producer may register the schema a moment after its first record. A lookup that
 * throws (registry down) propagates: that is an outage to retry, not a bad record to dead-letter.
 */
export function createConfluentAvroDecoder(
  reader: Type,
  lookup: SchemaLookup,
): ConfluentAvroDecoder {
  const compiled = new Map<number, CompiledWriter>();
  const inFlight = new Map<number, Promise<void>>();

  const fetch = (schemaId: number): Promise<void> => {
    let pending = inFlight.get(schemaId);
    if (!pending) {
      pending = lookup(schemaId)
        .then((text) => {
          if (text !== undefined) compiled.set(schemaId, compileCached(reader, schemaId, text));
        })
        .finally(() => inFlight.delete(schemaId));
      inFlight.set(schemaId, pending);
    }
    return pending;
  };

  const decodePrepared = (bytes: Uint8Array): AvroDecoded => {
    if (bytes.length < HEADER_BYTES) {
      return refuse(
        'corrupt_payload',
        `${bytes.length} bytes is shorter than the Confluent header`,
      );
    }
    if (bytes[0] !== MAGIC_BYTE) {
      return refuse('corrupt_payload', `magic byte is ${bytes[0]}, expected ${MAGIC_BYTE}`);
    }
    const schemaId = asBuffer(bytes).readInt32BE(1);
    const writer = compiled.get(schemaId);
    if (!writer)
      return refuse(
        'unknown_schema',
        `schema id ${schemaId} is not registered for this topic`,
        schemaId,
      );
    return decodeBody(bytes, writer, schemaId);
  };

  return {
    async prepare(schemaIds) {
      const missing = [...new Set(schemaIds)].filter((id) => id >= 0 && !compiled.has(id));
      await Promise.all(missing.map(fetch));
    },
    decodePrepared,
    async decode(bytes) {
      const schemaId = confluentSchemaId(bytes);
      if (schemaId !== undefined && schemaId >= 0 && !compiled.has(schemaId)) await fetch(schemaId);
      return decodePrepared(bytes);
    },
  };
}
