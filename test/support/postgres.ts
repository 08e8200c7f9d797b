/**
 * PostgreSQL for the tests: the server the stack runs (DATABASE_URL, else the stack's default), a
 * database of its own per test file (created here, dropped after) and, where a suite needs a fresh
 * store per test, a schema of its own per test. An unreachable server fails the suite with a
 * message saying how to start one; it is never skipped.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { EVENT_TYPES, type AdEvent, type Attribution, type Mutable } from '../../domain';
import type { WarehouseBatch } from '../../ports';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { migrateUp } from '../../migrations';

export const TEST_POSTGRES_URL =
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/advertisex';

/** The same server and credentials, another database. */
export function databaseUrl(database: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** `<prefix>_<8 hex>`: a lower-case identifier no other test file (or earlier run) uses. */
export function uniqueIdentifier(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

async function onServer(statement: string): Promise<void> {
  const admin = createPostgresKnex({ connectionString: TEST_POSTGRES_URL, poolMax: 1 });
  try {
    await admin.raw(statement);
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${TEST_POSTGRES_URL}: ${(error as Error).message} ` +
        '(start it with `ops/stack.sh up`, or point DATABASE_URL at a server)',
    );
  } finally {
    await admin.destroy();
  }
}

/** A new empty database; `migrated: true` also runs every migration in it. */
export async function createTestDatabase(
  suite: string,
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const name = uniqueIdentifier(`adx_test_${suite}`);
  await onServer(`CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  if (options.migrated) {
    const knex = createPostgresKnex({ connectionString: url, poolMax: 1 });
    try {
      await migrateUp(knex);
    } finally {
      await knex.destroy();
    }
  }
  // FORCE: a test that failed half-way may have left a connection open
  return { name, url, drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A new schema in the database at `url`, with every migration applied in it. */
export async function createMigratedSchema(url: string, prefix: string): Promise<string> {
  const schema = uniqueIdentifier(prefix);
  const knex: Knex = createPostgresKnex({ connectionString: url, schema, poolMax: 1 });
  try {
    await knex.raw(`CREATE SCHEMA ${schema}`);
    await migrateUp(knex);
  } finally {
    await knex.destroy();
  }
  return schema;
}

/** A migrated warehouse database of either engine, for tests that run against both. */
export type Engine = 'postgres' | 'pglite';
export const ENGINES: readonly Engine[] = ['postgres', 'pglite'];

export interface EngineHarness {
  readonly engine: Engine;
  /** the one connection (pool) of the database, shared by warehouse and state store */
  readonly knex: Knex;
  /** another pool to the same database (postgres only: PGlite has one connection) */
  readonly url?: string;
  close(): Promise<void>;
}

export async function openEngine(engine: Engine, suite: string): Promise<EngineHarness> {
  if (engine === 'pglite') {
    const knex = await openPgliteKnex();
    await migrateUp(knex);
    return { engine, knex, close: () => knex.destroy() };
  }
  const database = await createTestDatabase(suite, { migrated: true });
  const knex = createPostgresKnex({ connectionString: database.url, poolMax: 4 });
  return {
    engine,
    knex,
    url: database.url,
    close: async () => {
      await knex.destroy();
      await database.drop();
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing sample can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `batches` warehouse batches of `perBatch` events each: every event type, several campaigns,
 * publishers, hours and days (around 2026-11-26 UTC), money on the events that carry it, and an
 * attribution for every click and conversion. Event ids are unique across all batches.
 */
export function sampleBatches(
  prefix: string,
  batches: number,
  perBatch: number,
  seed = 7,
): WarehouseBatch[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const start = Date.UTC(2026, 10, 25);
  return Array.from({ length: batches }, (_, b) => {
    const batchId = `${prefix}-batch-${b}`;
    const events: AdEvent[] = [];
    const attributions: Attribution[] = [];
    for (let i = 0; i < perBatch; i++) {
      const eventType = pick(EVENT_TYPES);
      const eventTime = start + Math.floor(random() * 3 * 86_400_000);
      const campaignId = `${prefix}-cmp-${Math.floor(random() * 5)}`;
      const event: Mutable<AdEvent> = {
        eventId: `${prefix}-${b}-${i}`,
        eventType,
        eventTime,
        userId: (b * perBatch + i).toString(16).padStart(64, '0'),
        campaignId,
        source: { topic: 'impressions', partition: b % 3, offset: String(i), format: 'json' },
      };
      if (random() < 0.8) event.publisherId = `pub-${Math.floor(random() * 4)}`;
      if (eventType === 'impression') event.costMicros = Math.floor(random() * 5_000_000);
      if (eventType === 'conversion') event.revenueMicros = Math.floor(random() * 90_000_000);
      if (eventType === 'bid_request') {
        event.bidFloorMicros = 1_000;
        if (random() < 0.9) event.won = random() < 0.3;
      }
      events.push(event);
      if (eventType === 'click' || eventType === 'conversion') {
        attributions.push({
          partition: b % 3,
          eventType,
          eventId: event.eventId,
          eventTime,
          userId: event.userId,
          campaignId,
          model: 'lookback',
          touch: {
            eventType: 'impression',
            eventId: `${prefix}-touch-${i}`,
            eventTime: eventTime - 1,
          },
          late: false,
        });
      }
    }
    return {
      batchId,
      events,
      attributions,
      stagedKeys: [`staging/fact_impression/dt=2026-11-25/${batchId}.ndjson.gz`],
    };
  });
}

/**
 * Runs `sql` as `role` (SET LOCAL ROLE) and rolls back whatever it did: 'ok', or the error's
 * message, e.g. "permission denied for table ...". For checking grants.
 */
export async function asRole(knex: Knex, role: string, sql: string): Promise<string> {
  try {
    await knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL ROLE ${role}`);
      await trx.raw(sql);
      throw new Error('ok');
    });
  } catch (error) {
    return (error as Error).message.split(' - ').pop() ?? '';
  }
  return 'unreachable';
}
