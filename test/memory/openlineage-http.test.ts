/**
 * OpenLineage over HTTP in an embedded run (ADX_OPENLINEAGE_URL, mirroring openlineage.test.ts):
 * each batch POSTs a START and a COMPLETE event for the same run to the consumer's default
 * endpoint with the bearer key, and every event validates against RUN_EVENT_SCHEMA. A consumer that
 * never answers costs events, not the run: it completes, each lost event is counted in
 * adx_errors_total{component="openlineage"}, and after 3 timeouts the breaker stops sending.
 */
import type { Metrics } from '../../ports';
import { TOKENS } from '../../ports';
import { serve } from '../../src/cli/serve';
import { loadConfig } from '../../src/config/config';
import { RUN_EVENT_SCHEMA, runIdOf, type RunEvent } from '../../src/lineage/openlineage';
import { startConsumer, type Consumer } from '../support/openlineage-consumer';
import { HEAVY_TEST_MS } from '../support/timeouts';

const API_KEY = 'marquez-key-42';
const RUN = { events: 3_000, seed: 5 };

const embedded = (env: Record<string, string>) =>
  loadConfig({
    ADX_HTTP_PORT: '0',
    ADX_PROGRESS_INTERVAL: '1h',
    ADX_WAREHOUSE: 'memory',
    ...env,
  });

describe('OpenLineage over HTTP, embedded run', () => {
  let consumer: Consumer;
  let batches: number;
  beforeAll(async () => {
    consumer = await startConsumer(() => 201);
    const config = embedded({
      ADX_OPENLINEAGE_URL: consumer.url,
      ADX_OPENLINEAGE_API_KEY: API_KEY,
    });
    const { service } = await serve(config, RUN);
    batches = service.batches;
  }, HEAVY_TEST_MS);
  afterAll(() => consumer?.close());

  it('POSTs every event as JSON to /api/v1/lineage with the bearer key', () => {
    expect(consumer.received.length).toBeGreaterThan(0);
    for (const r of consumer.received) {
      expect([r.method, r.path]).toEqual(['POST', '/api/v1/lineage']);
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.headers['content-type']).toBe('application/json');
      expect(RUN_EVENT_SCHEMA.safeParse(JSON.parse(r.body)).error).toBeUndefined();
    }
  });

  it('sends START then COMPLETE for every batch, once each', () => {
    const byRun = new Map<string, RunEvent[]>();
    for (const r of consumer.received) {
      const e = JSON.parse(r.body) as RunEvent;
      byRun.set(e.run.runId, [...(byRun.get(e.run.runId) ?? []), e]);
    }
    expect(byRun.size).toBe(batches);
    for (const [runId, run] of byRun) {
      expect(run.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
      const batchId = (run[1]?.run.facets?.adx_batch as { batchId: string }).batchId;
      expect(runId).toBe(runIdOf(batchId));
    }
  });
});

describe('OpenLineage consumer that never answers', () => {
  let consumer: Consumer;
  afterAll(() => consumer?.close());

  it(
    'does not stop the run; every lost event is counted, few are sent',
    async () => {
      consumer = await startConsumer(() => 'hang');
      const config = embedded({
        ADX_OPENLINEAGE_URL: consumer.url,
        // long enough for each request to reach the consumer before it is abandoned
        ADX_OPENLINEAGE_TIMEOUT_MS: '300',
        ADX_OPENLINEAGE_BREAKER_FAILURES: '3',
        // no trial during the run: the count of requests below is exact
        ADX_OPENLINEAGE_BREAKER_COOLDOWN: '1h',
        // more batches than the breaker lets through
        ADX_BATCH_SIZE: '500',
      });
      const { service, container } = await serve(config, RUN);

      expect(service.totals.received).toBe(RUN.events);
      expect(service.status).not.toBe('failed');
      expect(service.batches).toBeGreaterThan(2);
      const exposed = await container.get<Metrics>(TOKENS.Metrics).expose();
      const lost = /adx_errors_total\{component="openlineage"\} (\d+)/.exec(exposed)?.[1];
      // START and COMPLETE of every batch, each given up on or held back exactly once
      expect(Number(lost)).toBe(2 * service.batches);
      // only the three that opened the breaker were sent; the rest cost the run no time
      expect(consumer.received).toHaveLength(3);
    },
    HEAVY_TEST_MS,
  );
});
