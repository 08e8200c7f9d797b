/**
 * The pseudonymization key rotation procedure of the README, on the embedded service with its
 * state and warehouse kept in a PGlite directory across restarts: users' impressions are processed
 * under key k1; the service restarts with ADX_PSEUDONYMIZATION_KEYS=k2:…,k1:… and the same users'
 * clicks and conversions, now pseudonymized under k2, are still credited to those impressions; a
 * re-sent impression is still a duplicate. With k2 alone the join is lost (the old key matters).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { MemoryBus } from '../../adapters/memory/memory-bus';
import { TOKENS } from '../../ports';
import { loadConfig } from '../../src/config/config';
import { registerContracts } from '../../src/contracts/register-contracts';
import { buildContainer, EMBEDDED, SERVICE, STORAGE } from '../../src/container/container';
import type { Storage } from '../../src/container/storage';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { HEAVY_TEST_MS } from '../support/timeouts';

const K1 = `k1:${'a1'.repeat(16)}`;
const K2 = `k2:${'b2'.repeat(16)}`;
const USERS = ['ann', 'bob', 'cid'];
const T0 = Date.now() - 3_600_000;
const iso = (t: number): string => new Date(t).toISOString();

type Sent = { topic: 'impressions' | 'clicks'; key: string; value: string };

const impression = (user: string): Sent => ({
  topic: 'impressions',
  key: user,
  value: JSON.stringify({
    impression_id: `imp-${user}`,
    timestamp: iso(T0),
    user_id: user,
    campaign_id: 'cmp-rot',
    ad_id: 'ad-1',
    publisher_id: 'pub-1',
    win_price_micros: 1000,
  }),
});
const clickOrConversion = (type: 'click' | 'conversion', user: string, at: number): Sent => ({
  topic: 'clicks',
  key: user,
  value: [
    type,
    `${type}-${user}`,
    iso(at),
    user,
    'cmp-rot',
    'ad-1',
    'pub-1',
    '',
    type === 'conversion' ? '12.50' : '',
  ].join(','),
});

const beforeRotation: Sent[] = USERS.map(impression);
const afterRotation: Sent[] = [
  impression('ann'), // re-sent: the same event, now read under k2
  ...USERS.map((u) => clickOrConversion('click', u, T0 + 60_000)),
  clickOrConversion('conversion', 'ann', T0 + 300_000),
];

/** One run of the embedded service over these records (replayed from the start, as a bus is). */
async function run(dir: string, keys: string, records: readonly Sent[]) {
  const config = loadConfig({
    ADX_HTTP_PORT: '0',
    ADX_WAREHOUSE: 'pglite',
    ADX_PGLITE_DIR: dir,
    ADX_PSEUDONYMIZATION_KEYS: keys,
    ADX_PROGRESS_INTERVAL: '1h',
    ADX_IDLE_TIMEOUT: '1h',
  });
  let fed = false;
  const container = await buildContainer(config, { inputComplete: () => fed });
  await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
  const bus = container.get<MemoryBus>(EMBEDDED.Bus);
  for (const r of records)
    bus.produce(
      r.topic === 'impressions' ? config.topics.impressions : config.topics.clicks,
      r.key,
      Buffer.from(r.value),
    );
  fed = true;
  const service = container.get<PipelineService>(SERVICE);
  await service.start();
  await service.finished();
  await service.endOfInput();
  return { service, storage: container.get<Storage>(STORAGE) };
}

async function credits(knex: Knex): Promise<Record<string, string>> {
  const rows = (await knex('fact_attribution').select('event_id', 'model', 'touch_event_id')) as {
    event_id: string;
    model: string;
    touch_event_id: string | null;
  }[];
  return Object.fromEntries(rows.map((r) => [r.event_id, `${r.model} ${r.touch_event_id ?? '-'}`]));
}

describe('pseudonymization key rotation across a restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'adx-rotation-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'joins the same users before and after the switch, and keeps dedupe across it',
    async () => {
      const first = await run(dir, K1, beforeRotation);
      expect(first.service.totals.accepted).toBe(3);
      await first.storage.close();

      const second = await run(dir, `${K2},${K1}`, [...beforeRotation, ...afterRotation]);
      try {
        // only the new records are read: the stored positions are past the first run's
        expect(second.service.totals.received).toBe(afterRotation.length);
        expect(second.service.totals.duplicates).toBe(1);
        const knex = second.storage.knex as Knex;
        expect(await credits(knex)).toEqual({
          'click-ann': 'lookback imp-ann',
          'click-bob': 'lookback imp-bob',
          'click-cid': 'lookback imp-cid',
          'conversion-ann': 'last_click click-ann',
        });
        const users = (await knex('fact_click').select('user_id')) as { user_id: string }[];
        expect(users.every((u) => u.user_id.startsWith('k2.'))).toBe(true);
        const before = (await knex('fact_impression').select('user_id')) as { user_id: string }[];
        expect(before.every((u) => u.user_id.startsWith('k1.'))).toBe(true);
      } finally {
        await second.storage.close();
      }
    },
    HEAVY_TEST_MS,
  );

  it(
    'loses the join when the old key is dropped too early',
    async () => {
      const first = await run(dir, K1, beforeRotation);
      await first.storage.close();
      const second = await run(dir, K2, [...beforeRotation, ...afterRotation]);
      try {
        const got = await credits(second.storage.knex as Knex);
        expect(got['click-ann']).toBe('unattributed -');
        expect(got['conversion-ann']).toBe('last_click click-ann');
      } finally {
        await second.storage.close();
      }
    },
    HEAVY_TEST_MS,
  );
});
