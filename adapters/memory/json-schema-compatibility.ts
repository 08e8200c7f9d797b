/**
 * JSON Schema compatibility for the in-memory registry: a deliberately small subset of what
 * Confluent's and Apicurio's checkers do, enough for the contract changes that matter here
 * (properties of an object added, dropped, retyped or made required). It answers whether every
 * document the writer schema allows is allowed by the reader schema, conservatively: anything it
 * cannot prove compatible is incompatible.
 *
 * The rules follow the real registries, including the one that surprises people: a property may
 * be added only when the writer's content model is closed (`additionalProperties: false`). Under
 * an open model an old document may already carry that name with any value, so a typed new
 * property narrows what is accepted (Confluent: PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL).
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ObjectSchema = {
  readonly properties: Record<string, Json>;
  readonly required: ReadonlySet<string>;
  readonly open: boolean;
};

function sortedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedKeys(value[k] as Json)]),
    );
  }
  return value;
}

const same = (a: Json, b: Json): boolean =>
  JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));

/** annotations that change no document's validity */
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', 'examples']);

function withoutAnnotations(schema: Json): Json {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)));
}

function asObjectSchema(schema: Json): ObjectSchema | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  if (schema.type !== 'object') return undefined;
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return { properties, required, open: schema.additionalProperties !== false };
}

/** true when every document `writer` allows is allowed by `reader` (as far as these rules see) */
export function jsonSchemaCanRead(readerText: string, writerText: string): boolean {
  const reader = JSON.parse(readerText) as Json;
  const writer = JSON.parse(writerText) as Json;
  const r = asObjectSchema(reader);
  const w = asObjectSchema(writer);
  if (!r || !w) return same(withoutAnnotations(reader), withoutAnnotations(writer));
  const rest = (s: Json): Json => {
    const copy = { ...(withoutAnnotations(s) as Record<string, Json>) };
    for (const k of ['properties', 'required', 'additionalProperties']) delete copy[k];
    return copy;
  };
  if (!same(rest(reader), rest(writer))) return false;
  if (!r.open && w.open) return false;
  for (const name of r.required) if (!w.required.has(name)) return false;
  for (const [name, schema] of Object.entries(r.properties)) {
    const before = w.properties[name];
    if (before === undefined) {
      if (w.open) return false;
    } else if (!same(withoutAnnotations(schema), withoutAnnotations(before))) {
      return false;
    }
  }
  for (const name of Object.keys(w.properties)) {
    if (r.properties[name] === undefined && !r.open) return false;
  }
  return true;
}
