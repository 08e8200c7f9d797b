/**
 * Every relation the migrations create has an access decision, so a future migration cannot add a
 * table the service cannot write (or one that leaks user ids) without a test failing: the loader
 * writes every table but knex's, owns nothing and has no TRUNCATE/REFERENCES/TRIGGER anywhere;
 * neither the analyst nor the auditor can read a user_id column; nothing is granted to PUBLIC. A migration adds
 * its grants with migrations/access.ts (grantTables). On PostgreSQL and PGlite.
 */
import { ENGINES, openEngine, type EngineHarness } from '../support/postgres';

const KNEX_TABLES = ['knex_migrations', 'knex_migrations_lock'];
/** tables the loader reads but never writes; a new one goes here only with a reason */
const LOADER_READ_ONLY: readonly string[] = [
  // written only by adx_apply_aggregate_deltas() (migration 010), which the loader may call
  'campaign_daily_totals',
  'campaign_hourly_totals',
];

describe.each(ENGINES)('access decisions on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'access_coverage');
  });
  afterAll(() => harness?.close());

  const query = async <T>(sql: string): Promise<T[]> =>
    ((await harness.knex.raw(sql)) as { rows: T[] }).rows;

  it('the loader writes every table but knex bookkeeping', async () => {
    const tables = await query<{ name: string; insert: boolean; select: boolean }>(
      `SELECT relname AS name, has_table_privilege('adx_loader', oid, 'INSERT') AS insert,
              has_table_privilege('adx_loader', oid, 'SELECT') AS select
         FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')
        ORDER BY relname`,
    );
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) {
      const expected = {
        name: t.name,
        insert: !KNEX_TABLES.includes(t.name) && !LOADER_READ_ONLY.includes(t.name),
        select: true,
      };
      // a failure here names the table: grant it in its migration (migrations/access.ts)
      expect(t).toEqual(expected);
    }
  });

  it('every sequence behind an inserted column is usable by the loader', async () => {
    const sequences = await query<{ name: string; usage: boolean }>(
      `SELECT relname AS name, has_sequence_privilege('adx_loader', oid, 'USAGE') AS usage
         FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'S'
          AND relname NOT LIKE 'knex_migrations%'`,
    );
    for (const s of sequences) expect(s).toEqual({ name: s.name, usage: true });
  });

  it('the loader owns nothing and holds no TRUNCATE, REFERENCES or TRIGGER', async () => {
    const rows = await query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
        WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S')
          AND (pg_has_role('adx_loader', relowner, 'USAGE')
               OR (relkind IN ('r', 'p') AND has_table_privilege('adx_loader', oid, 'TRUNCATE, REFERENCES, TRIGGER')))`,
    );
    expect(rows).toEqual([]);
    const schema = await query<{ create: boolean }>(
      "SELECT has_schema_privilege('adx_loader', current_schema(), 'CREATE') AS create",
    );
    expect(schema).toEqual([{ create: false }]);
  });

  it('neither the analyst nor the auditor can read any user_id column', async () => {
    const readable = await query<{ table: string; role: string }>(
      `SELECT c.relname AS table, r.role
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id'
        CROSS JOIN unnest(ARRAY['adx_analyst', 'adx_auditor']) AS r(role)
        WHERE c.relnamespace = current_schema()::regnamespace
          AND has_column_privilege(r.role, c.oid, 'user_id', 'SELECT')`,
    );
    expect(readable).toEqual([]);
  });

  it('grants nothing to PUBLIC, and only the loader may run the aggregates function', async () => {
    const publicGrants = await query<{ name: string }>(
      `SELECT relname AS name FROM pg_class c, aclexplode(c.relacl) acl
        WHERE c.relnamespace = current_schema()::regnamespace AND acl.grantee = 0`,
    );
    expect(publicGrants).toEqual([]);
    const execute = await query<{ role: string; allowed: boolean }>(
      `SELECT r.role, has_function_privilege(r.role, 'adx_apply_aggregate_deltas()', 'EXECUTE') AS allowed
         FROM unnest(ARRAY['adx_loader', 'adx_analyst', 'adx_auditor']) AS r(role) ORDER BY 1`,
    );
    expect(execute).toEqual([
      { role: 'adx_analyst', allowed: false },
      { role: 'adx_auditor', allowed: false },
      { role: 'adx_loader', allowed: true },
    ]);
  });
});
