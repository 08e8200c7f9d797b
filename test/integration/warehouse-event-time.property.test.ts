/**
 * A fact row's time is its event's, to the millisecond, on PostgreSQL and PGlite: `event_time`
 * (computed by the load from the epoch milliseconds, not copied in), `event_time_ms` and
 * `date_key` (the UTC day). Times span everything validation accepts, its edges included, and the
 * sessions run in a time zone 12:45 ahead of UTC, so one that leaked into the load would show.
 */
import fc from 'fast-check';
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { FACT_TABLES } from '../../adapters/warehouse/fact-tables';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import {
  EVENT_TYPES,
  MAX_EVENT_TIME,
  MIN_EVENT_TIME,
  utcDayOf,
  type AdEvent,
  type EventType,
} from '../../domain';
import { ENGINES, openEngine, type EngineHarness } from '../support/postgres';

const ZONE = 'Pacific/Chatham';

const eventTime = fc.oneof(
  fc.integer({ min: MIN_EVENT_TIME, max: MAX_EVENT_TIME - 1 }),
  fc.constantFrom(MIN_EVENT_TIME, MAX_EVENT_TIME - 1, Date.UTC(2026, 11, 6, 23, 59, 59, 999)),
);

interface FactTime {
  readonly event_id: string;
  readonly ms: string;
  readonly event_time_ms: string;
  readonly date_key: number;
  readonly utc: string;
}

describe.each(ENGINES)('fact event times on %s', (engine) => {
  let harness: EngineHarness;
  let knex: Knex;
  let warehouse: SqlWarehouse;
  let batches = 0;

  beforeAll(async () => {
    harness = await openEngine(engine, 'event_time');
    if (harness.url) {
      // every connection of the warehouse's own pool starts in the zone
      const database = new URL(harness.url).pathname.slice(1);
      await harness.knex.raw(`ALTER DATABASE "${database}" SET timezone TO '${ZONE}'`);
      knex = createPostgresKnex({ connectionString: harness.url, poolMax: 2 });
    } else {
      knex = harness.knex;
      await knex.raw(`SET TIME ZONE '${ZONE}'`);
    }
    warehouse = new SqlWarehouse(knex);
  });
  afterAll(async () => {
    if (knex !== harness?.knex) await knex?.destroy();
    await harness?.close();
  });

  it('is the event time, in event_time, event_time_ms and date_key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ type: fc.constantFrom(...EVENT_TYPES), time: eventTime }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (specs) => {
          const batchId = `${engine}-time-${batches++}`;
          const events: AdEvent[] = specs.map(({ type, time }, i) => ({
            eventId: `${batchId}-${i}`,
            eventType: type,
            eventTime: time,
            userId: 'f'.repeat(64),
            campaignId: 'c-time',
            source: { topic: 'impressions', partition: 0, offset: String(i), format: 'json' },
          }));
          await warehouse.loadBatch({ batchId, events, attributions: [], stagedKeys: [] });
          const rows = new Map<string, FactTime>();
          for (const type of new Set<EventType>(events.map((e) => e.eventType))) {
            const result = await knex.raw<{ rows: FactTime[] }>(
              `SELECT event_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms,
                      event_time_ms::text AS event_time_ms, date_key,
                      to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS utc
               FROM ${FACT_TABLES[type]} WHERE batch_id = ?`,
              [batchId],
            );
            for (const row of result.rows) rows.set(row.event_id, row);
          }
          expect(rows.size).toBe(events.length);
          for (const e of events) {
            expect(rows.get(e.eventId)).toEqual({
              event_id: e.eventId,
              ms: String(e.eventTime),
              event_time_ms: String(e.eventTime),
              date_key: utcDayOf(e.eventTime).key,
              utc: new Date(e.eventTime).toISOString(),
            });
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
