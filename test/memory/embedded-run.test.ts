import type { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import type { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { isConserved, REJECTION_REASONS } from '../../domain';
import { SIMULATED_REASONS } from '../../src/simulator';
import { TOKENS, type Metrics } from '../../ports';
import { loadConfig } from '../../src/config/config';
import { serve, type ServeResult } from '../../src/cli/serve';
import { HEAVY_TEST_MS } from '../support/timeouts';

const EVENTS = 60_000;

describe('embedded service run on in-memory adapters', () => {
  let run: ServeResult;
  let warehouse: MemoryWarehouse;
  let publisher: MemoryEventPublisher;

  beforeAll(async () => {
    const config = loadConfig({
      ADX_HTTP_PORT: '0',
      ADX_PROGRESS_INTERVAL: '1h',
      ADX_SIM_USERS: '5000',
      ADX_BATCH_SIZE: '500',
      ADX_WAREHOUSE: 'memory',
      // every published event and bus record is inspected after the run
      ADX_EMBEDDED_HISTORY: '1000000',
      ADX_EMBEDDED_RETENTION: '1d',
    });
    run = await serve(config, { events: EVENTS, seed: 1234 });
    warehouse = run.container.get<MemoryWarehouse>(TOKENS.Warehouse);
    publisher = run.container.get<MemoryEventPublisher>(TOKENS.EventPublisher);
  }, HEAVY_TEST_MS);

  it('receives every simulated record and conserves counts', () => {
    const t = run.service.totals;
    expect(t.received).toBe(EVENTS);
    expect(run.groundTruth.records).toBe(EVENTS);
    expect(isConserved(t)).toBe(true);
  });

  it('loads exactly the unique valid events of each type', () => {
    const truth = run.groundTruth.validUnique;
    expect(warehouse.facts.get('impression')?.size ?? 0).toBe(truth.impression);
    expect(warehouse.facts.get('click')?.size ?? 0).toBe(truth.click);
    expect(warehouse.facts.get('conversion')?.size ?? 0).toBe(truth.conversion);
    expect(warehouse.facts.get('bid_request')?.size ?? 0).toBe(truth.bid_request);
    const totalValid = truth.impression + truth.click + truth.conversion + truth.bid_request;
    expect(run.service.totals.accepted).toBe(totalValid);
    expect(publisher.adEvents).toHaveLength(totalValid);
  });

  it('drops exactly the injected duplicates', () => {
    expect(run.groundTruth.duplicates).toBeGreaterThan(0);
    expect(run.service.totals.duplicates).toBe(run.groundTruth.duplicates);
  });

  it('rejects every malformed record to the dead-letter topic with its reason', () => {
    for (const reason of REJECTION_REASONS) {
      expect({ reason, count: run.service.totals.rejectedByReason[reason] }).toEqual({
        reason,
        count: run.groundTruth.malformed[reason],
      });
    }
    for (const reason of SIMULATED_REASONS)
      expect(run.groundTruth.malformed[reason]).toBeGreaterThan(0);
    expect(publisher.deadLetters).toHaveLength(run.service.totals.rejected);
    for (const letter of publisher.deadLetters) {
      expect(REJECTION_REASONS).toContain(letter.reason);
      expect(letter.payload.bytes).toBeGreaterThan(0);
    }
  });

  it('reports per-campaign metrics equal to the ground truth', async () => {
    const rows = await warehouse.campaignMetrics({});
    const truth = run.groundTruth.perCampaign;
    expect(rows.map((r) => r.campaignId).sort()).toEqual([...truth.keys()].sort());
    for (const row of rows) {
      const expected = truth.get(row.campaignId);
      expect({ campaign: row.campaignId, ...row }).toEqual({
        campaign: row.campaignId,
        campaignId: row.campaignId,
        ...expected,
      });
    }
    expect(run.report).toContain('TOTAL');
  });

  it('pseudonymizes user ids before they leave the processor', () => {
    for (const e of publisher.adEvents.slice(0, 1000))
      expect(e.userId).toMatch(/^k1\.[0-9a-f]{64}$/);
  });

  it('attributes every click and conversion once, after the input ends', () => {
    const truth = run.groundTruth.validUnique;
    const attributed = [...warehouse.attributions.values()];
    expect(attributed.filter((a) => a.eventType === 'click')).toHaveLength(truth.click);
    expect(attributed.filter((a) => a.eventType === 'conversion')).toHaveLength(truth.conversion);
    const models = new Set(attributed.map((a) => a.model));
    expect(models).toContain('lookback');
    expect(models).toContain('last_click');
  });

  it('exposes the on-call metrics of the run, consumer lag per topic-partition included', async () => {
    const text = await run.container.get<Metrics>(TOKENS.Metrics).expose();
    const sum = (pattern: RegExp): number =>
      [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
    const t = run.service.totals;
    expect(sum(/^adx_consumer_records_total\{[^}]*\} (\S+)$/gm)).toBe(t.received);
    expect(sum(/^adx_events_rejected_total\{[^}]*\} (\S+)$/gm)).toBe(t.rejected);
    expect(sum(/^adx_dead_letters_total\{[^}]*\} (\S+)$/gm)).toBe(t.rejected);
    expect(sum(/^adx_rows_loaded_total\{table="fact_[a-z_]+"\} (\S+)$/gm)).toBe(t.accepted);
    // every accepted event was loaded in a committed batch, and observed once from each origin
    expect(
      sum(/^adx_freshness_seconds_count\{source="[a-z_]+",origin="event_time"\} (\S+)$/gm),
    ).toBe(t.accepted);
    expect(
      sum(/^adx_freshness_seconds_count\{source="[a-z_]+",origin="kafka_append"\} (\S+)$/gm),
    ).toBe(t.accepted);
    const config = loadConfig({});
    for (const topic of [
      config.topics.impressions,
      config.topics.clicks,
      config.topics.bidRequests,
    ])
      for (let partition = 0; partition < config.partitions; partition++)
        expect(text).toMatch(
          new RegExp(
            `^adx_consumer_lag_records\\{topic="${topic}",partition="${partition}"\\} \\d+$`,
            'm',
          ),
        );
  });
});
