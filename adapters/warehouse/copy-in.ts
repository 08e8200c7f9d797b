import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isPglite } from './pglite-knex';
import { csvChunks, type StageColumn } from './stage-rows';

/**
 * Bulk load of rows into a (stage) table inside a knex transaction, through the transaction's own
 * raw connection so the rows are part of it. Always one set-based command, never row by row:
 * - Postgres: COPY FROM STDIN, the CSV streamed with pg-copy-streams;
 * - PGlite: COPY FROM '/dev/blob' (PGlite has no STDIN; it takes the CSV as a Blob). That counts as
 *   reading a server file, allowed to superusers and pg_read_server_files only, so a session acting
 *   as another role (SET ROLE adx_loader) inserts the rows from one JSON parameter instead
 *   (json_populate_recordset), about 2-3x slower than COPY but still a single statement.
 */
export async function copyRowsIn<Row>(
  trx: Knex.Transaction,
  table: string,
  columns: readonly StageColumn<Row>[],
  rows: readonly Row[],
): Promise<void> {
  // knex types the raw connection as any; within a transaction it is the transaction's connection
  const connection: unknown = await trx.client.acquireConnection();
  const columnList = columns.map((c) => c.name).join(', ');
  if (isPglite(connection)) {
    if (await mayReadServerFiles(connection)) {
      await connection.query(
        `COPY ${table} (${columnList}) FROM '/dev/blob' WITH (FORMAT csv)`,
        [],
        {
          blob: new Blob([...csvChunks(rows, columns)]),
        },
      );
    } else {
      const records = rows.map((row) =>
        Object.fromEntries(columns.map((c) => [c.name, c.value(row) ?? null])),
      );
      await connection.query(
        `INSERT INTO ${table} (${columnList}) SELECT ${columnList} ` +
          `FROM json_populate_recordset(NULL::${table}, $1::json)`,
        [JSON.stringify(records)],
      );
    }
    return;
  }
  const client = connection as PoolClient;
  const sink = client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN WITH (FORMAT csv)`));
  await pipeline(Readable.from(csvChunks(rows, columns)), sink);
}

async function mayReadServerFiles(pglite: PGlite): Promise<boolean> {
  const { rows } = await pglite.query<{ allowed: boolean }>(
    "SELECT current_setting('is_superuser') = 'on' " +
      "OR pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') AS allowed",
  );
  return rows[0]?.allowed === true;
}
