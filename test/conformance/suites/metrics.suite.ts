import { emptyCounts, REJECTION_REASONS, SOURCE_KINDS, type BatchCounts } from '../../../domain';
import { ERROR_COMPONENTS, PIPELINE_STAGES, type Metrics } from '../../../ports';

export interface MetricsHarness {
  readonly metrics: Metrics;
}

/** name{labels} value [timestamp], as the Prometheus text format writes a sample */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(LABEL)) labels[k as string] = v as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** the metric's value summed over all label sets (undefined when it is not exposed) */
function total(samples: Sample[], name: string): number | undefined {
  const of = samples.filter((s) => s.name === name);
  return of.length === 0 ? undefined : of.reduce((sum, s) => sum + s.value, 0);
}

/** the value of the one sample with exactly these labels (undefined when there is none) */
function value(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const of = samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted,
  );
  if (of.length > 1) throw new Error(`${name}${JSON.stringify(labels)} is exposed twice`);
  return of[0]?.value;
}

function counts(received: number, accepted: number, rejected: number, duplicates: number) {
  const c: BatchCounts = { ...emptyCounts(), received, accepted, rejected, duplicates };
  c.rejectedByReason.invalid_value = rejected;
  c.attributedByModel.last_click = 1;
  return c;
}

/** The Metrics contract as every adapter shares it: the adx_ series in text exposition. */
export function metricsConformance(name: string, make: () => Promise<MetricsHarness>): void {
  describe(`Metrics conformance: ${name}`, () => {
    let metrics: Metrics;
    const exposed = async (): Promise<Sample[]> => parseExposition(await metrics.expose());

    beforeEach(async () => {
      ({ metrics } = await make());
    });

    it('exposes parseable Prometheus text with a text/plain content type', async () => {
      metrics.recordBatch('impression', counts(1, 1, 0, 0));
      expect(metrics.contentType).toMatch(/^text\/plain/);
      expect((await exposed()).length).toBeGreaterThan(0);
    });

    it('sums received and accepted events over batches and sources', async () => {
      metrics.recordBatch('impression', counts(10, 8, 1, 1));
      metrics.recordBatch('click_or_conversion', counts(5, 3, 2, 0));
      metrics.recordBatch('impression', counts(7, 7, 0, 0));
      const samples = await exposed();
      expect(total(samples, 'adx_events_received_total')).toBe(22);
      expect(total(samples, 'adx_events_accepted_total')).toBe(18);
      expect(value(samples, 'adx_events_received_total', { source: 'impression' })).toBe(17);
      expect(value(samples, 'adx_events_duplicate_total', { source: 'impression' })).toBe(1);
    });

    it('counts rejections by source and reason, and attributions by model', async () => {
      const c = counts(9, 4, 5, 0);
      c.rejectedByReason.invalid_value = 2;
      c.rejectedByReason.corrupt_payload = 3;
      c.attributedByModel.view_through = 2;
      metrics.recordBatch('bid_request', c);
      const samples = await exposed();
      const rejected = (reason: string) =>
        value(samples, 'adx_events_rejected_total', { source: 'bid_request', reason });
      expect(rejected('invalid_value')).toBe(2);
      expect(rejected('corrupt_payload')).toBe(3);
      expect(value(samples, 'adx_attributions_total', { model: 'last_click' })).toBe(1);
      expect(value(samples, 'adx_attributions_total', { model: 'view_through' })).toBe(2);
    });

    it('exposes every error component, source and rejection reason at 0 from the start', async () => {
      const samples = await exposed();
      for (const component of ERROR_COMPONENTS)
        expect([component, value(samples, 'adx_errors_total', { component })]).toEqual([
          component,
          0,
        ]);
      for (const source of SOURCE_KINDS) {
        expect(value(samples, 'adx_events_received_total', { source })).toBe(0);
        for (const reason of REJECTION_REASONS)
          expect(value(samples, 'adx_events_rejected_total', { source, reason })).toBe(0);
      }
      expect(value(samples, 'adx_last_successful_load_timestamp_seconds')).toBe(0);
      expect(value(samples, 'adx_aggregates_refreshed_timestamp_seconds')).toBe(0);
    });

    it('counts errors by component', async () => {
      metrics.error('warehouse_load');
      metrics.error('warehouse_load');
      metrics.error('openlineage');
      const samples = await exposed();
      expect(value(samples, 'adx_errors_total', { component: 'warehouse_load' })).toBe(2);
      expect(value(samples, 'adx_errors_total', { component: 'openlineage' })).toBe(1);
      expect(value(samples, 'adx_errors_total', { component: 'pipeline' })).toBe(0);
    });

    it('keeps the latest consumer lag per topic and partition, and sums records consumed', async () => {
      metrics.setConsumerLag('impressions', 0, 42);
      metrics.setConsumerLag('impressions', 1, 7);
      metrics.setConsumerLag('impressions', 0, 40);
      metrics.recordsConsumed('clicks', 2, 100);
      metrics.recordsConsumed('clicks', 2, 50);
      const samples = await exposed();
      const lag = (partition: string) =>
        value(samples, 'adx_consumer_lag_records', { topic: 'impressions', partition });
      expect([lag('0'), lag('1')]).toEqual([40, 7]);
      expect(
        value(samples, 'adx_consumer_records_total', { topic: 'clicks', partition: '2' }),
      ).toBe(150);
    });

    it('times every stage on its own, the warehouse load and the aggregate refresh included', async () => {
      metrics.observeStage('load', 0.25);
      metrics.observeStage('load', 0.5);
      metrics.observeStage('refresh_aggregates', 2);
      const samples = await exposed();
      const of = (stage: string, suffix: string) =>
        value(samples, `adx_batch_stage_duration_seconds_${suffix}`, { stage });
      expect([of('load', 'count'), of('load', 'sum')]).toEqual([2, 0.75]);
      expect([of('refresh_aggregates', 'count'), of('refresh_aggregates', 'sum')]).toEqual([1, 2]);
      for (const stage of PIPELINE_STAGES) expect(of(stage, 'count')).toBeDefined();
    });

    it('observes freshness from event time and from Kafka append time separately', async () => {
      metrics.observeFreshness('click_or_conversion', 'event_time', [10, 20, 30]);
      metrics.observeFreshness('click_or_conversion', 'kafka_append', [1]);
      const samples = await exposed();
      const of = (origin: string, suffix: string) =>
        value(samples, `adx_freshness_seconds_${suffix}`, {
          source: 'click_or_conversion',
          origin,
        });
      expect([of('event_time', 'count'), of('event_time', 'sum')]).toEqual([3, 60]);
      expect([of('kafka_append', 'count'), of('kafka_append', 'sum')]).toEqual([1, 1]);
    });

    it('counts rows loaded, bytes staged, dead letters, and the last load time in seconds', async () => {
      metrics.rowsLoaded('fact_click', 3);
      metrics.rowsLoaded('fact_click', 4);
      metrics.bytesStaged(1_024);
      metrics.deadLettered('clicks', 'corrupt_payload', 5);
      metrics.loadSucceeded(Date.UTC(2026, 10, 26));
      metrics.aggregatesRefreshed(Date.UTC(2026, 10, 26, 0, 0, 30));
      const samples = await exposed();
      expect(value(samples, 'adx_aggregates_refreshed_timestamp_seconds')).toBe(
        Date.UTC(2026, 10, 26, 0, 0, 30) / 1000,
      );
      expect(value(samples, 'adx_rows_loaded_total', { table: 'fact_click' })).toBe(7);
      expect(value(samples, 'adx_bytes_staged_total')).toBe(1_024);
      expect(
        value(samples, 'adx_dead_letters_total', {
          source_topic: 'clicks',
          reason: 'corrupt_payload',
        }),
      ).toBe(5);
      expect(value(samples, 'adx_last_successful_load_timestamp_seconds')).toBe(
        Date.UTC(2026, 10, 26) / 1000,
      );
    });

    it('is not reset by exposing, and not changed by the other reports', async () => {
      metrics.recordBatch('bid_request', counts(4, 4, 0, 0));
      await metrics.expose();
      metrics.observeStage('load', 0.25);
      metrics.observeFreshness('impression', 'event_time', [12]);
      metrics.setConsumerLag('impressions', 0, 42);
      metrics.recordsConsumed('impressions', 0, 4);
      metrics.rowsLoaded('fact_impression', 4);
      metrics.bytesStaged(1_024);
      metrics.deadLettered('impressions', 'too_large', 1);
      metrics.error('side_effects');
      metrics.loadSucceeded(Date.UTC(2026, 10, 26));
      metrics.recordBatch('bid_request', counts(0, 0, 0, 0));
      const samples = await exposed();
      expect(total(samples, 'adx_events_received_total')).toBe(4);
      expect(total(samples, 'adx_events_accepted_total')).toBe(4);
    });
  });
}
