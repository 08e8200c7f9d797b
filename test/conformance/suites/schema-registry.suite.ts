import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import type { SchemaRegistry } from '../../../ports';
import { SLOW_MS, uniqueName } from '../support/conformance-kit';

export interface SchemaRegistryHarness {
  readonly registry: SchemaRegistry;
  cleanup?: () => Promise<void>;
}

type Field = { name: string; type: unknown; default?: unknown };

/** An Avro record schema as text; the record name stays the same so resolution is by fields. */
function recordSchema(fields: Field[], name = 'Probe'): string {
  return JSON.stringify({ type: 'record', name, namespace: 'com.advertisex.conformance', fields });
}

const ID: Field = { name: 'id', type: 'string' };

function contract(file: string): string {
  return readFileSync(join(__dirname, '../../../contracts/bid-requests', file), 'utf8');
}

/** Fingerprint of the Parsing Canonical Form: equal when a reader would see the same schema. */
function canonical(schema: string): string {
  return avro.Type.forSchema(JSON.parse(schema)).fingerprint('sha256').toString('hex');
}

/**
 * The SchemaRegistry contract (Confluent semantics). Every test sets the level it relies on
 * explicitly: a real registry's default is BACKWARD, the pipeline's is BACKWARD_TRANSITIVE.
 */
export function schemaRegistryConformance(
  name: string,
  make: () => Promise<SchemaRegistryHarness>,
): void {
  describe(`SchemaRegistry conformance: ${name}`, () => {
    let harness: SchemaRegistryHarness;
    let registry: SchemaRegistry;
    let subject: string;

    beforeEach(async () => {
      harness = await make();
      registry = harness.registry;
      subject = `${uniqueName('conformance')}-value`;
      await registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('returns the same id when the same schema is registered again, even reformatted', async () => {
      const schema = recordSchema([ID, { name: 'n', type: 'long' }]);
      const id = await registry.register(subject, schema);
      expect(Number.isInteger(id)).toBe(true);
      const reformatted = JSON.stringify(JSON.parse(schema), null, 2);
      expect(await registry.register(subject, reformatted)).toBe(id);
      expect(await registry.register(subject, schema)).toBe(id);
      expect((await registry.latest(subject))?.version).toBe(1);
    });

    it('finds an already registered schema written with its JSON properties in another order', async () => {
      const fields = [ID, { name: 'n', type: ['null', 'long'], default: null }];
      const id = await registry.register(subject, recordSchema(fields));
      const reordered = JSON.stringify({
        fields: fields.map(({ name, ...rest }) => ({ ...rest, name })),
        namespace: 'com.advertisex.conformance',
        name: 'Probe',
        type: 'record',
      });
      expect(await registry.register(subject, reordered)).toBe(id);
      expect((await registry.latest(subject))?.version).toBe(1);
    });

    it('gives a schema by id under its subject only (schemaOfSubject)', async () => {
      const schema = recordSchema([ID, { name: 'own', type: ['null', 'long'], default: null }]);
      const id = await registry.register(subject, schema);
      const other = `${uniqueName('conformance-other')}-value`;
      await registry.setCompatibility(other, 'BACKWARD_TRANSITIVE');
      const otherId = await registry.register(
        other,
        recordSchema([ID, { name: 'theirs', type: ['null', 'long'], default: null }]),
      );
      expect(canonical((await registry.schemaOfSubject(subject, id)) as string)).toBe(
        canonical(schema),
      );
      expect(await registry.schemaOfSubject(subject, otherId)).toBeUndefined();
      expect(await registry.schemaOfSubject(other, id)).toBeUndefined();
      expect(await registry.schemaOfSubject(subject, 2_000_000_000)).toBeUndefined();
      // the same schema registered under a second subject belongs to both
      await registry.setCompatibility(other, 'NONE');
      const shared = await registry.register(other, schema);
      expect(shared).toBe(id);
      expect(await registry.schemaOfSubject(other, id)).toBeDefined();
    });

    it('gives back an equivalent schema by id, and undefined for an id it never issued', async () => {
      const schema = recordSchema([ID, { name: 'n', type: ['null', 'long'], default: null }]);
      const id = await registry.register(subject, schema);
      const text = await registry.schemaById(id);
      expect(text).toBeDefined();
      expect(JSON.parse(text as string)).toEqual(JSON.parse(schema));
      expect(await registry.schemaById(2_000_000_000 + Math.floor(Math.random() * 1e8))).toBe(
        undefined,
      );
    });

    it('reports no latest version for a subject that has none', async () => {
      expect(await registry.latest(`${uniqueName('never-registered')}-value`)).toBeUndefined();
    });

    it('accepts a compatible evolution (new optional field with a default) as version 2', async () => {
      const v1 = recordSchema([ID]);
      const v2 = recordSchema([ID, { name: 'country', type: ['null', 'string'], default: null }]);
      const id1 = await registry.register(subject, v1);
      expect(await registry.isCompatible(subject, v2)).toBe(true);
      const id2 = await registry.register(subject, v2);
      expect(id2).not.toBe(id1);
      const latest = await registry.latest(subject);
      expect(latest).toMatchObject({ id: id2, subject, version: 2 });
      expect(JSON.parse(latest?.schema as string)).toEqual(JSON.parse(v2));
      // an old version registered again is found, not added
      expect(await registry.register(subject, v1)).toBe(id1);
      expect((await registry.latest(subject))?.version).toBe(2);
    });

    it('rejects a new required field without a default', async () => {
      await registry.register(subject, recordSchema([ID]));
      const required = recordSchema([ID, { name: 'country', type: 'string' }]);
      expect(await registry.isCompatible(subject, required)).toBe(false);
      await expect(registry.register(subject, required)).rejects.toThrow();
      expect((await registry.latest(subject))?.version).toBe(1);
    });

    it('rejects changing a field type from string to int', async () => {
      await registry.register(subject, recordSchema([ID, { name: 'n', type: 'string' }]));
      const changed = recordSchema([ID, { name: 'n', type: 'int' }]);
      expect(await registry.isCompatible(subject, changed)).toBe(false);
      await expect(registry.register(subject, changed)).rejects.toThrow();
    });

    // v3 reads v2 data (a is missing → default 0) but not v1 data (a is a string there)
    const v1 = recordSchema([ID, { name: 'a', type: 'string' }]);
    const v2 = recordSchema([ID]);
    const v3 = recordSchema([ID, { name: 'a', type: 'int', default: 0 }]);

    it('checks a new version against every earlier one under BACKWARD_TRANSITIVE', async () => {
      await registry.register(subject, v1);
      await registry.register(subject, v2);
      expect(await registry.isCompatible(subject, v3)).toBe(false);
      await expect(registry.register(subject, v3)).rejects.toThrow();
      expect((await registry.latest(subject))?.version).toBe(2);
    });

    it('checks only against the latest version under BACKWARD', async () => {
      await registry.setCompatibility(subject, 'BACKWARD');
      await registry.register(subject, v1);
      await registry.register(subject, v2);
      expect(await registry.isCompatible(subject, v3)).toBe(true);
      await registry.register(subject, v3);
      expect((await registry.latest(subject))?.version).toBe(3);
    });

    it('lets any change through under NONE', async () => {
      await registry.register(subject, recordSchema([ID, { name: 'n', type: 'string' }]));
      await registry.setCompatibility(subject, 'NONE');
      const changed = recordSchema([
        { name: 'id', type: 'long' },
        { name: 'x', type: 'string' },
      ]);
      expect(await registry.isCompatible(subject, changed)).toBe(true);
      await registry.register(subject, changed);
      expect((await registry.latest(subject))?.version).toBe(2);
    });

    it('keeps compatibility levels per subject', async () => {
      const other = `${uniqueName('conformance')}-value`;
      await registry.setCompatibility(other, 'NONE');
      await registry.register(subject, recordSchema([ID]));
      await registry.register(other, recordSchema([ID]));
      const required = recordSchema([ID, { name: 'country', type: 'string' }]);
      expect(await registry.isCompatible(other, required)).toBe(true);
      expect(await registry.isCompatible(subject, required)).toBe(false);
    });

    it(
      'registers the bid-request contracts v1 then v2 under BACKWARD_TRANSITIVE',
      async () => {
        const v1Text = contract('bid-request.v1.avsc');
        const v2Text = contract('bid-request.v2.avsc');
        const id1 = await registry.register(subject, v1Text);
        expect(await registry.isCompatible(subject, v2Text)).toBe(true);
        const id2 = await registry.register(subject, v2Text);
        expect(await registry.latest(subject)).toMatchObject({ id: id2, version: 2 });
        expect(canonical((await registry.schemaById(id1)) as string)).toBe(canonical(v1Text));
        expect(canonical((await registry.schemaById(id2)) as string)).toBe(canonical(v2Text));
        // v2 without the default on win_price_micros would break readers of v1 data
        const broken = JSON.parse(v2Text) as { fields: Field[] };
        const winPrice = broken.fields.find((f) => f.name === 'win_price_micros') as Field;
        delete winPrice.default;
        expect(await registry.isCompatible(subject, JSON.stringify(broken))).toBe(false);
      },
      SLOW_MS,
    );

    describe('JSON Schema (schemaType JSON)', () => {
      /** an object schema; closed unless told otherwise (additionalProperties: false) */
      const objectSchema = (
        properties: Record<string, unknown>,
        required: string[],
        open = false,
      ): string =>
        JSON.stringify({ type: 'object', properties, required, additionalProperties: open });
      const id = { type: 'string', minLength: 1 };

      it('registers a JSON schema, finds it again and serves its text by id', async () => {
        const v1 = objectSchema({ id }, ['id']);
        const first = await registry.register(subject, v1, 'JSON');
        expect(await registry.register(subject, v1, 'JSON')).toBe(first);
        expect(JSON.parse((await registry.schemaById(first)) as string)).toEqual(JSON.parse(v1));
        expect(await registry.latest(subject)).toMatchObject({ id: first, version: 1 });
      });

      it('accepts an optional property added to a closed content model', async () => {
        await registry.register(subject, objectSchema({ id }, ['id']), 'JSON');
        const v2 = objectSchema({ id, country: { type: 'string' } }, ['id']);
        expect(await registry.isCompatible(subject, v2, 'JSON')).toBe(true);
        await registry.register(subject, v2, 'JSON');
        expect((await registry.latest(subject))?.version).toBe(2);
      });

      it('refuses a retyped property, a new required one, and any property added to an open model', async () => {
        await registry.register(subject, objectSchema({ id }, ['id']), 'JSON');
        const retyped = objectSchema({ id: { type: 'integer' } }, ['id']);
        const required = objectSchema({ id, country: { type: 'string' } }, ['id', 'country']);
        for (const schema of [retyped, required]) {
          expect(await registry.isCompatible(subject, schema, 'JSON')).toBe(false);
          await expect(registry.register(subject, schema, 'JSON')).rejects.toThrow();
        }
        const open = `${uniqueName('conformance-open')}-value`;
        await registry.setCompatibility(open, 'BACKWARD_TRANSITIVE');
        await registry.register(open, objectSchema({ id }, ['id'], true), 'JSON');
        const added = objectSchema({ id, country: { type: 'string' } }, ['id'], true);
        expect(await registry.isCompatible(open, added, 'JSON')).toBe(false);
        await expect(registry.register(open, added, 'JSON')).rejects.toThrow();
        expect((await registry.latest(subject))?.version).toBe(1);
      });
    });
  });
}
