import { emptyCounts, type BatchCounts } from '../../../domain';
import type { Metrics } from '../../../ports';

export interface MetricsHarness {
  readonly metrics: Metrics;
}

/** name{labels} value [timestamp], as the Prometheus text format writes a sample */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$/;

interface Sample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.push({ name: match[1] as string, labels: match[2] ?? '', value: Number(match[3]) });
  }
  return samples;
}

/** the metric's value summed over all label sets (undefined when it is not exposed) */
function total(samples: Sample[], name: string): number | undefined {
  const of = samples.filter((s) => s.name === name);
  return of.length === 0 ? undefined : of.reduce((sum, s) => sum + s.value, 0);
}

function counts(received: number, accepted: number, rejected: number, duplicates: number) {
  const c: BatchCounts = { ...emptyCounts(), received, accepted, rejected, duplicates };
  c.rejectedByReason.invalid_value = rejected;
  c.attributedByModel.last_click = 1;
  return c;
}

/** The Metrics contract as far as every adapter shares it: the adx_ counters in text exposition. */
export function metricsConformance(name: string, make: () => Promise<MetricsHarness>): void {
  describe(`Metrics conformance: ${name}`, () => {
    let metrics: Metrics;

    beforeEach(async () => {
      ({ metrics } = await make());
    });

    it('exposes parseable Prometheus text with a text/plain content type', async () => {
      metrics.recordBatch('impression', counts(1, 1, 0, 0));
      expect(metrics.contentType).toMatch(/^text\/plain/);
      expect(parseExposition(await metrics.expose()).length).toBeGreaterThan(0);
    });

    it('sums received and accepted events over batches and sources', async () => {
      metrics.recordBatch('impression', counts(10, 8, 1, 1));
      metrics.recordBatch('click_or_conversion', counts(5, 3, 2, 0));
      metrics.recordBatch('impression', counts(7, 7, 0, 0));
      const samples = parseExposition(await metrics.expose());
      expect(total(samples, 'adx_events_received_total')).toBe(22);
      expect(total(samples, 'adx_events_accepted_total')).toBe(18);
    });

    it('is not reset by exposing, and not changed by the other reports', async () => {
      metrics.recordBatch('bid_request', counts(4, 4, 0, 0));
      await metrics.expose();
      metrics.observeStage('load', 0.25);
      metrics.observeEventTimeLag(12);
      metrics.setConsumerLag('impressions-0', 42);
      metrics.rowsLoaded('fact_impression', 4);
      metrics.bytesStaged(1_024);
      metrics.error('warehouse');
      metrics.loadSucceeded(Date.UTC(2026, 10, 26));
      metrics.recordBatch('bid_request', counts(0, 0, 0, 0));
      const samples = parseExposition(await metrics.expose());
      expect(total(samples, 'adx_events_received_total')).toBe(4);
      expect(total(samples, 'adx_events_accepted_total')).toBe(4);
    });
  });
}
