import { types } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import { parseBytea, serializeBytea } from '../../adapters/warehouse/pglite-bytea';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { openPglites } from '../../adapters/warehouse/pglite-probe';
import { HEAVY_TEST_MS } from '../support/timeouts';

/** The embedded warehouse's PGlite writes and reads bytea with the native hex codec. */
describe('PGlite bytea through knex', () => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await openPgliteKnex();
  }, HEAVY_TEST_MS);
  afterAll(() => knex.destroy());

  it('is wired into the instance openPgliteKnex opens', () => {
    const pglite = openPglites().at(-1);
    expect(pglite?.serializers[types.BYTEA]).toBe(serializeBytea);
    expect(pglite?.parsers[types.BYTEA]).toBe(parseBytea);
  });

  it('stores and returns bytes unchanged, empty and large', async () => {
    await knex.raw('CREATE TABLE blobs (id int PRIMARY KEY, body bytea NOT NULL)');
    const large = Buffer.alloc(1_000_000);
    for (let i = 0; i < large.length; i++) large[i] = (i * 31) & 0xff;
    const bodies = [Buffer.alloc(0), Buffer.from([0, 255, 16]), large];
    for (const [id, body] of bodies.entries())
      await knex.raw('INSERT INTO blobs (id, body) VALUES (?, ?)', [id, body]);
    const r = await knex.raw<{ rows: { id: number; body: Uint8Array; n: number }[] }>(
      'SELECT id, body, length(body) AS n FROM blobs ORDER BY id',
    );
    expect(r.rows.map((row) => row.n)).toEqual(bodies.map((b) => b.length));
    for (const row of r.rows)
      expect(Buffer.from(row.body).equals(bodies[row.id] as Buffer)).toBe(true);
  });
});
