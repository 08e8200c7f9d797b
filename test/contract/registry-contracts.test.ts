/**
 * Every version of every registrable wire contract against the real registry (ops/stack.sh up;
 * any Confluent-compatible registry named by SCHEMA_REGISTRY_URL): registered oldest first under
 * BACKWARD_TRANSITIVE, each later version accepted, an incompatible change refused with 409.
 * Subjects are unique per run (TopicNameStrategy on a random topic prefix).
 */
import avro from 'avsc';
import { BID_REQUEST_CONTRACTS } from '../../adapters/codecs/bid-request-avro';
import { readContract } from '../../adapters/codecs/contract-files';
import {
  ConfluentSchemaRegistry,
  SchemaRegistryError,
} from '../../adapters/schema-registry/confluent-schema-registry';
import type { SchemaType } from '../../ports';
import { AD_EVENT_SCHEMAS, valueSubject } from '../../src/contracts/contract-files';
import { requireStack, STACK, uniqueRunName } from '../support/stack';

const registry = new ConfluentSchemaRegistry({ url: STACK.registryUrl });
const run = uniqueRunName('contract');
const subjectFor = (topic: string): string => valueSubject(`${run}.${topic}`);

type Field = { name: string; type: unknown; default?: unknown };
type RecordSchema = { fields: Field[] };

/** Parsing Canonical Form fingerprint: equal when a reader sees the same schema */
const fingerprint = (text: string): string =>
  avro.Type.forSchema(JSON.parse(text)).fingerprint('sha256').toString('hex');

beforeAll(async () => {
  await requireStack(['registry']);
});

/** registers the versions oldest first, asserting each later one is judged compatible first */
async function registerHistory(
  subject: string,
  files: readonly string[],
  schemaType: SchemaType,
): Promise<number[]> {
  await registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
  const ids: number[] = [];
  for (const [i, file] of files.entries()) {
    const text = readContract(file);
    if (i > 0)
      expect({ file, compatible: await registry.isCompatible(subject, text, schemaType) }).toEqual({
        file,
        compatible: true,
      });
    ids.push(await registry.register(subject, text, schemaType));
    expect(await registry.latest(subject)).toMatchObject({ version: i + 1, id: ids[i] });
  }
  return ids;
}

async function expectRefused(subject: string, schema: string, versions: number): Promise<void> {
  expect(await registry.isCompatible(subject, schema)).toBe(false);
  const refusal = registry.register(subject, schema);
  await expect(refusal).rejects.toBeInstanceOf(SchemaRegistryError);
  await expect(refusal).rejects.toMatchObject({ status: 409 });
  expect((await registry.latest(subject))?.version).toBe(versions);
}

describe('bid-request (Avro, topic bid_requests)', () => {
  const subject = subjectFor('bid_requests');

  it('registers v1 then v2 under BACKWARD_TRANSITIVE, each served back unchanged by id', async () => {
    const ids = await registerHistory(subject, BID_REQUEST_CONTRACTS, 'AVRO');
    expect(new Set(ids).size).toBe(BID_REQUEST_CONTRACTS.length);
    for (const [i, file] of BID_REQUEST_CONTRACTS.entries()) {
      expect(fingerprint((await registry.schemaById(ids[i] as number)) as string)).toBe(
        fingerprint(readContract(file)),
      );
    }
  });

  it('refuses a new required field without a default (409)', async () => {
    const latest = JSON.parse(
      readContract(BID_REQUEST_CONTRACTS[BID_REQUEST_CONTRACTS.length - 1] as string),
    ) as RecordSchema;
    latest.fields.push({ name: 'auction_type', type: 'string' });
    await expectRefused(subject, JSON.stringify(latest), BID_REQUEST_CONTRACTS.length);
  });
});

describe('ad-event (Avro, topic ad_events)', () => {
  const subject = subjectFor('ad_events');

  it('registers v1 then v2 under BACKWARD_TRANSITIVE', async () => {
    const ids = await registerHistory(subject, AD_EVENT_SCHEMAS, 'AVRO');
    expect(new Set(ids).size).toBe(AD_EVENT_SCHEMAS.length);
  });

  it('refuses changing a field type (event_time long → string, 409)', async () => {
    const latest = JSON.parse(
      readContract(AD_EVENT_SCHEMAS[AD_EVENT_SCHEMAS.length - 1] as string),
    ) as RecordSchema;
    const field = latest.fields.find((f) => f.name === 'event_time') as Field;
    field.type = 'string';
    await expectRefused(subject, JSON.stringify(latest), AD_EVENT_SCHEMAS.length);
  });

  it('refuses removing an enum symbol that earlier data carries (409)', async () => {
    const latest = JSON.parse(
      readContract(AD_EVENT_SCHEMAS[AD_EVENT_SCHEMAS.length - 1] as string),
    ) as RecordSchema;
    const field = latest.fields.find((f) => f.name === 'event_type') as Field;
    const enumType = field.type as { symbols: string[] };
    enumType.symbols = enumType.symbols.filter((s) => s !== 'bid_request');
    await expectRefused(subject, JSON.stringify(latest), AD_EVENT_SCHEMAS.length);
  });
});

describe('impression (JSON Schema, topic impressions)', () => {
  const subject = subjectFor('impressions');
  const files = ['impressions/impression.v1.schema.json', 'impressions/impression.v2.schema.json'];

  it('registers v1', async () => {
    await registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
    const id = await registry.register(subject, readContract(files[0] as string), 'JSON');
    expect(JSON.parse((await registry.schemaById(id)) as string)).toEqual(
      JSON.parse(readContract(files[0] as string)),
    );
  });

  /**
   * v1 has a closed content model (additionalProperties: false): with an open one, a v1 document
   * could already carry `bid_request_id` with any value and typing it in v2 would narrow what is
   * valid (Confluent: PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL). Draft-07, because Apicurio's JSON
   * compatibility checker knows drafts 4, 6 and 7 only.
   */
  it('accepts v2 after v1 under BACKWARD_TRANSITIVE', async () => {
    await registerHistory(subjectFor('impressions-history'), files, 'JSON');
  });
});

describe('dead letter (JSON Schema, topic ad_events.dlq)', () => {
  it('registers v1 and serves it back by id', async () => {
    const subject = subjectFor('ad_events.dlq');
    await registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
    const text = readContract('dead-letter/dead-letter.v1.schema.json');
    const id = await registry.register(subject, text, 'JSON');
    expect(await registry.register(subject, text, 'JSON')).toBe(id);
    expect(JSON.parse((await registry.schemaById(id)) as string)).toEqual(JSON.parse(text));
  });

  it('accepts v2 (one more reason, processing_error) after v1 under BACKWARD_TRANSITIVE', async () => {
    await registerHistory(
      subjectFor('ad_events.dlq-history'),
      ['dead-letter/dead-letter.v1.schema.json', 'dead-letter/dead-letter.v2.schema.json'],
      'JSON',
    );
  });
});
