/**
 * PGlite's bytea parameters and results go through Buffer's hex codec (pglite-bytea.ts) instead of
 * PGlite's per-byte strings: any bytes must come back as they went in, and be what Postgres itself
 * sees (length, encode), in both output formats. (pglite-bytea-roundtrip.test.ts: the wiring.)
 */
import fc from 'fast-check';
import type { Knex } from 'knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';

describe('bytea on PGlite', () => {
  let knex: Knex;
  beforeAll(async () => {
    knex = await openPgliteKnex();
    await knex.raw('CREATE TABLE blobs (id integer PRIMARY KEY, body bytea)');
  });
  afterAll(() => knex.destroy());

  it('stores and returns any bytes unchanged, as Postgres itself reads them', async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        id++;
        // a Buffer view of the drawn bytes, as the state store passes its encoded bodies
        const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        await knex.raw('INSERT INTO blobs (id, body) VALUES (?, ?)', [id, body]);
        const { rows } = await knex.raw<{
          rows: { body: Uint8Array; length: number; hex: string }[];
        }>(
          "SELECT body, length(body) AS length, encode(body, 'hex') AS hex FROM blobs WHERE id = ?",
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
      knex.raw('INSERT INTO blobs (id, body) VALUES (?, ?::bytea)', [-2, 42]),
    ).rejects.toThrow(/bytea/);
  });
});
