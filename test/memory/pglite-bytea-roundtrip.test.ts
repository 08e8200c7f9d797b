import { types } from '@electric-sql/pglite';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { parseBytea, serializeBytea } from '../../adapters/warehouse/pglite-bytea';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { openPglites } from '../../adapters/warehouse/pglite-probe';
import { HEAVY_TEST_MS } from '../support/timeouts';

/**
 * The embedded warehouse's PGlite writes and reads bytea with the native hex codec
 * (pglite-bytea.ts) instead of PGlite's per-byte strings: any bytes must come back as they went
 * in, and be what Postgres itself sees (length, encode), in both output formats.
 */
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

  it('stores and returns any bytes unchanged, as Postgres itself reads them (property)', async () => {
    await knex.raw('CREATE TABLE drawn (id integer PRIMARY KEY, body bytea)');
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        id++;
        // a Buffer view of the drawn bytes, as the state store passes its encoded bodies
        const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        await knex.raw('INSERT INTO drawn (id, body) VALUES (?, ?)', [id, body]);
        const { rows } = await knex.raw<{
          rows: { body: Uint8Array; length: number; hex: string }[];
        }>(
          "SELECT body, length(body) AS length, encode(body, 'hex') AS hex FROM drawn WHERE id = ?",
          [id],
        );
        const [row] = rows;
        expect(Buffer.from(row?.body ?? [])).toEqual(Buffer.from(bytes));
        expect(row?.length).toBe(bytes.length);
        expect(row?.hex).toBe(Buffer.from(bytes).toString('hex'));
      }),
      { numRuns: 100 },
    );
  });

  it('still reads the escape output format', async () => {
    await knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL bytea_output = 'escape'");
      const { rows } = await trx.raw<{ rows: { body: Uint8Array }[] }>(
        "SELECT '\\x5c00ff41'::bytea AS body",
      );
      expect([...(rows[0]?.body ?? [])]).toEqual([0x5c, 0x00, 0xff, 0x41]);
    });
  });

  it('refuses a value that is not bytes, as PGlite does', async () => {
    await expect(
      knex.raw('INSERT INTO drawn (id, body) VALUES (?, ?::bytea)', [-2, 42]),
    ).rejects.toThrow(/bytea/);
  });
});
