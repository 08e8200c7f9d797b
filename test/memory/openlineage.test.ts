/**
 * OpenLineage export: an embedded run with ADX_OPENLINEAGE_FILE writes, per batch, a START and a
 * COMPLETE run event (same runId) with the Kafka topic as input and the staged S3 objects and
 * warehouse tables as outputs; every event validates against RUN_EVENT_SCHEMA (the spec's required
 * RunEvent fields — no npm package ships the OpenLineage JSON schema). A FAIL event validates too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../src/cli/serve';
import { loadConfig } from '../../src/config/config';
import { RUN_EVENT_SCHEMA, runEvent, runIdOf, type RunEvent } from '../../src/lineage/openlineage';
import { HEAVY_TEST_MS } from '../support/timeouts';

describe('OpenLineage run events', () => {
  let dir: string;
  let events: RunEvent[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adx-ol-'));
    const file = join(dir, 'openlineage.ndjson');
    const config = loadConfig({
      ADX_HTTP_PORT: '0',
      ADX_PROGRESS_INTERVAL: '1h',
      ADX_WAREHOUSE: 'memory',
      ADX_OPENLINEAGE_FILE: file,
    });
    await serve(config, { events: 3_000, seed: 5 });
    events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
  }, HEAVY_TEST_MS);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('validates every event against the RunEvent schema', () => {
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(RUN_EVENT_SCHEMA.safeParse(e).error).toBeUndefined();
  });

  it('emits START then COMPLETE per batch, Kafka in, S3 and tables out', () => {
    const byRun = new Map<string, RunEvent[]>();
    for (const e of events) byRun.set(e.run.runId, [...(byRun.get(e.run.runId) ?? []), e]);
    for (const [, run] of byRun) {
      expect(run.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
      const [start, complete] = run as [RunEvent, RunEvent];
      expect(start.inputs?.[0]?.namespace).toBe('memory://source');
      const batch = (complete.run.facets?.adx_batch as { batchId: string }).batchId;
      expect(complete.run.runId).toBe(runIdOf(batch));
      const outputs = complete.outputs ?? [];
      if (outputs.length > 0) {
        expect(
          outputs.some((o) => o.namespace === 'memory://staging' && o.name.includes(batch)),
        ).toBe(true);
        expect(outputs.some((o) => o.name.startsWith('fact_'))).toBe(true);
      }
    }
  });

  it('describes a failed batch with a FAIL event that also validates', () => {
    const fail = runEvent(
      'FAIL',
      {
        id: 'b-1',
        kind: 'impression',
        topic: 'impressions',
        partition: 0,
        firstOffset: '0',
        lastOffset: '9',
        records: [],
      },
      Date.UTC(2026, 10, 26),
      [],
      new Error('S3 unreachable'),
    );
    expect(RUN_EVENT_SCHEMA.parse(fail).eventType).toBe('FAIL');
    expect(fail.run.facets?.errorMessage).toMatchObject({ message: 'S3 unreachable' });
    expect(RUN_EVENT_SCHEMA.safeParse({ ...fail, run: { runId: 'not-a-uuid' } }).success).toBe(
      false,
    );
  });
});
