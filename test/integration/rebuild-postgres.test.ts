/**
 * `adx rebuild` on the stack's Postgres, over a changelog that snapshots have trimmed: the state
 * is committed through the real PostgresStateStore, then checked by the built `adx`, which takes
 * no lease (the owner's epoch is unchanged and it still commits).
 */
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { adx } from '../cli/support/adx';
import buildDist from '../cli/support/build-dist';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { commitUnits, hourlyUnits } from '../unit/domain/committed-units';
import { PROPERTY_RULES } from '../unit/domain/traffic-arbitraries';

/** The rules the state was decided under, as the service and `adx rebuild` read them. */
const RULES_ENV = {
  ADX_DEDUPE_RETENTION: String(PROPERTY_RULES.dedupeRetentionMs),
  ADX_ALLOWED_LATENESS: String(PROPERTY_RULES.allowedLatenessMs),
  ADX_CLICK_LOOKBACK: String(PROPERTY_RULES.clickLookbackMs),
  ADX_CONVERSION_WINDOW: String(PROPERTY_RULES.conversionClickWindowMs),
  ADX_VIEW_THROUGH_WINDOW: String(PROPERTY_RULES.viewThroughWindowMs),
};

let database: TestDatabase;
let knex: ReturnType<typeof createPostgresKnex>;
beforeAll(async () => {
  buildDist();
  database = await createTestDatabase('rebuild', { migrated: true });
  knex = createPostgresKnex({ connectionString: database.url, poolMax: 2 });
}, 180_000);
afterAll(async () => {
  await knex?.destroy();
  await database?.drop();
});

const epochs = async (): Promise<{ partition: number; epoch: string }[]> =>
  (
    await knex.raw<{ rows: { partition: number; epoch: string }[] }>(
      'SELECT partition, epoch::text AS epoch FROM partition_lease ORDER BY partition',
    )
  ).rows;

it('rebuilds a trimmed log equal to the live state, fences nobody, and names a deleted row', async () => {
  const store = new PostgresStateStore(knex);
  const { trimmed } = await commitUnits(PROPERTY_RULES, hourlyUnits(15), { store });
  expect(trimmed).toBeGreaterThan(0);
  const env = { ...RULES_ENV, DATABASE_URL: database.url };
  const before = await epochs();

  const r = await adx(['rebuild'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^partition 0: equal {2}replayed \d+ entries \d+-15 \(\d+ events, older ones trimmed\); live: snapshot at 15 \+ 0 entries$/m,
  );
  expect(await epochs()).toEqual(before);
  const owner = Number(before[0]?.epoch);
  expect(
    await store.commit({ partition: 0, epoch: owner, batchId: 'after-rebuild', positions: [] }),
  ).toEqual({ committed: true });

  // the last row the snapshot covers: the live state has its hour of events, the rebuilt one not
  await knex.raw('DELETE FROM partition_changelog WHERE partition = 0 AND sequence = 14');
  const deleted = 14;
  const damaged = await adx(['rebuild', '--partition', '0'], env);
  expect(damaged.code).toBe(1);
  expect(damaged.stdout).toContain('partition 0: DIFFERS');
  expect(damaged.stdout).toContain(
    `  changelog entry ${deleted} missing (between ${deleted - 1} and ${deleted + 1})`,
  );
  expect(damaged.stdout).toMatch(
    /^ {2}dedupe keys: live (\d+), rebuilt \d+ \(4 only live, e\.g\. \w+ \w+-13; 0 only rebuilt\)$/m,
  );
});
