import type { Knex } from 'knex';

/**
 * Grants for the tables a migration creates, in one place, so every new table gets an explicit
 * access decision (test/integration/access-coverage.test.ts fails for a table that has none).
 * A migration that adds a table the pipeline writes calls
 *
 *   await grantTables(knex, 'adx_loader', ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], ['my_table']);
 *
 * which also grants USAGE on the sequences behind the tables' serial/identity columns (an INSERT
 * needs them), and `revokeTables` with the same arguments in its `down`. Readers (adx_analyst,
 * adx_auditor) are granted the same way, or by column with `GRANT SELECT (cols) ON ...` where a
 * table holds user ids. Keep this file's behaviour stable: applied migrations call it.
 */
export type AccessRole = 'adx_loader' | 'adx_analyst' | 'adx_auditor';
export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function checked(names: readonly string[]): string {
  for (const name of names)
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain table name: '${name}'`);
  return names.join(', ');
}

/** Sequences owned by (serial) or backing (identity) columns of these tables, in this schema. */
async function sequencesOf(knex: Knex, tables: readonly string[]): Promise<string[]> {
  const { rows } = (await knex.raw(
    `SELECT DISTINCT s.relname AS name
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_class t ON t.oid = d.refobjid
      WHERE d.deptype IN ('a', 'i') AND t.relnamespace = current_schema()::regnamespace
        AND t.relname = ANY(?)
      ORDER BY 1`,
    [[...tables]],
  )) as { rows: { name: string }[] };
  return rows.map((r) => r.name);
}

export async function grantTables(
  knex: Knex,
  role: AccessRole,
  privileges: readonly TablePrivilege[],
  tables: readonly string[],
): Promise<void> {
  await knex.raw(`GRANT ${privileges.join(', ')} ON ${checked(tables)} TO ${role}`);
  if (privileges.includes('INSERT')) {
    const sequences = await sequencesOf(knex, tables);
    if (sequences.length > 0)
      await knex.raw(`GRANT USAGE ON SEQUENCE ${checked(sequences)} TO ${role}`);
  }
}

export async function revokeTables(
  knex: Knex,
  role: AccessRole,
  privileges: readonly TablePrivilege[],
  tables: readonly string[],
): Promise<void> {
  if (privileges.includes('INSERT')) {
    const sequences = await sequencesOf(knex, tables);
    if (sequences.length > 0)
      await knex.raw(`REVOKE USAGE ON SEQUENCE ${checked(sequences)} FROM ${role}`);
  }
  await knex.raw(`REVOKE ${privileges.join(', ')} ON ${checked(tables)} FROM ${role}`);
}
