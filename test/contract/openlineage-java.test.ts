/**
 * Our OpenLineage run events, checked with the official OpenLineage Java client (openlineage-java
 * 1.55.0, whose model is generated from the 2-0-2 spec) by ops/openlineage/check.sh: the client
 * deserializes each event (UUID runId, date-time eventTime, URIs, eventType), the checker adds the
 * spec's required fields and BaseFacet's _producer/_schemaURL, and nothing we sent may be lost when
 * the client serializes the event again. The negative cases prove the checker can fail.
 *
 * Needs Java 11+ and, on the first run, Maven (fetch.sh downloads ~8 MB into .stack/openlineage/);
 * not the local stack.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounts, type BatchCounts } from '../../domain';
import type { LineageStep } from '../../ports';
import { serve } from '../../src/cli/serve';
import { loadConfig } from '../../src/config/config';
import {
  JOB_NAME,
  OPENLINEAGE_SCHEMA_URL,
  PRODUCER,
  runEvent,
  runIdOf,
} from '../../src/lineage/openlineage';
import { datasetNamespaces, EMBEDDED_NAMESPACES } from '../../src/lineage/dataset-namespaces';
import { ATTRIBUTION_TABLE, FACT_TABLE, stagingKey } from '../../src/pipeline/staging';
import { describedBatch } from '../support/source-batch';

const ROOT = join(__dirname, '..', '..');
const FETCH = join(ROOT, 'ops', 'openlineage', 'fetch.sh');
const CHECK = join(ROOT, 'ops', 'openlineage', 'check.sh');

let dir: string;
let files = 0;

/** Runs the Java checker on these NDJSON lines: its exit status and its output lines. */
function check(lines: readonly string[]): { status: number | null; out: string[] } {
  const file = join(dir, `events-${++files}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = spawnSync(CHECK, [file], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim().split('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'adx-ol-java-'));
  // first run only: Maven fetches openlineage-java into .stack/openlineage/ (a few seconds)
  execFileSync(FETCH, { stdio: 'inherit', timeout: 300_000 });
}, 300_000);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

const at = Date.UTC(2026, 10, 26, 9, 30, 12, 345);
const batch = describedBatch('click_or_conversion', 'clicks', 2, '1200', '1699');

/** The steps of a click batch as the pipeline records them (src/pipeline/lineage-steps.ts). */
function clickBatchSteps(): LineageStep[] {
  const c: BatchCounts = { ...emptyCounts(), received: 500, accepted: 491, rejected: 6 };
  c.duplicates = 3;
  c.rejectedByReason.unknown_schema = 4;
  c.rejectedByReason.missing_field = 2;
  c.attributedByModel.last_click = 40;
  c.attributedByModel.unattributed = 451;
  const staged = [FACT_TABLE.click, ATTRIBUTION_TABLE].map(
    (t) => `s3://${stagingKey(t, '2026-11-26', batch.id)}`,
  );
  const ruleVersions = {
    code: '0.1.0',
    rules: '1',
    config: '10bf2133bc19bdae',
    lineage: '2',
    'contract.clicks': 'click-conversion.v2@2333fb79d1c0',
  };
  const step = (
    name: LineageStep['step'],
    inputs: string[],
    outputs: string[],
    counts: Partial<BatchCounts>,
  ): LineageStep => ({ batchId: batch.id, step: name, inputs, outputs, counts, ruleVersions, at });
  const { received, accepted, rejected, duplicates, rejectedByReason, attributedByModel } = c;
  return [
    step('ingest', ['kafka://clicks/2/1200-1699'], [`batch:${batch.id}`], { received }),
    step('validate', [`batch:${batch.id}`], ['dlq:ad_events.dlq'], {
      received,
      rejected,
      rejectedByReason,
    }),
    step('normalize', [`batch:${batch.id}`], ['ad_event'], { accepted: accepted + duplicates }),
    step('dedupe', ['ad_event'], ['ad_event'], { accepted, duplicates }),
    step('attribute', ['ad_event'], ['attribution'], { attributedByModel }),
    step('stage', ['ad_event', 'attribution'], staged, { accepted }),
    step('load', staged, [`table:${FACT_TABLE.click}`, `table:${ATTRIBUTION_TABLE}`], {
      accepted,
    }),
    step('publish', ['ad_event'], ['topic:ad_events', 'topic:ad_events.dlq'], {
      accepted,
      rejected,
    }),
  ];
}

describe('our run events, checked by the official OpenLineage Java client', () => {
  it('accepts START, COMPLETE (S3 and warehouse outputs) and FAIL, losing nothing', () => {
    const namespaces = datasetNamespaces(
      loadConfig({
        ADX_PROFILE: 'real',
        KAFKA_BROKERS: 'kafka-1.adx.internal:9093,kafka-2.adx.internal:9093',
        SCHEMA_REGISTRY_URL: 'http://registry:8081',
        ADX_PSEUDONYMIZATION_KEY: 'ab'.repeat(32),
        S3_BUCKET: 'adx-staging',
        ADX_WAREHOUSE: 'postgres',
        DATABASE_URL: 'postgres://loader@warehouse.adx.internal/advertisex',
      }),
    );
    const complete = runEvent(
      'COMPLETE',
      batch,
      at + 900,
      clickBatchSteps(),
      undefined,
      namespaces,
    );
    // the event really carries what the check is about: stage and load outputs named after
    // OpenLineage's conventions, the custom facet
    expect(complete.inputs).toEqual([
      { namespace: 'kafka://kafka-1.adx.internal:9093', name: batch.topic },
    ]);
    expect(complete.outputs).toEqual(
      expect.arrayContaining([
        {
          namespace: 's3://adx-staging',
          name: `staging/fact_click/dt=2026-11-26/${batch.id}.ndjson.gz`,
        },
        {
          namespace: 'postgres://warehouse.adx.internal:5432',
          name: 'advertisex.public.fact_click',
        },
      ]),
    );
    expect(complete.run.facets?.adx_batch).toMatchObject({ counts: { load: { accepted: 491 } } });
    const events = [
      runEvent('START', batch, at),
      complete,
      runEvent(
        'FAIL',
        batch,
        at + 1_200,
        [],
        new Error('S3 unreachable: ECONNREFUSED'),
        namespaces,
      ),
      runEvent('FAIL', batch, at + 1_300, [], 'a thrown string'),
    ];
    const result = check(events.map((e) => JSON.stringify(e)));
    expect(result.out).toEqual(['4 events valid']);
    expect(result.status).toBe(0);
  });

  it('accepts every event of an embedded pipeline run (ADX_OPENLINEAGE_FILE)', async () => {
    const file = join(dir, 'embedded-run.ndjson');
    const config = loadConfig({
      ADX_HTTP_PORT: '0',
      ADX_PROGRESS_INTERVAL: '1h',
      ADX_WAREHOUSE: 'memory',
      ADX_OPENLINEAGE_FILE: file,
    });
    await serve(config, { events: 3_000, seed: 5 });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    const result = check(lines);
    expect(result.out).toEqual([`${lines.length} events valid`]);
    expect(result.status).toBe(0);
  });

  it('rejects what the spec forbids, naming the line and the problem', () => {
    const good = JSON.stringify(runEvent('START', batch, at));
    const edit = (from: string, to: string): string => {
      expect(good).toContain(from);
      return good.replace(from, to);
    };
    const runId = `"runId":"${runIdOf(batch.id)}"`;
    const eventTime = `"eventTime":"${new Date(at).toISOString()}"`;
    const cases: [line: string, problem: string][] = [
      [
        edit(runId, '"runId":"clicks-2-1200-1699"'),
        'run.runId: rejected by openlineage-java: Cannot deserialize value of type `java.util.UUID`',
      ],
      [edit(`,"name":"${JOB_NAME}"`, ''), 'job.name: required, missing'],
      [
        edit(`"adx_batch":{"_producer":"${PRODUCER}",`, '"adx_batch":{'),
        'run.facets.adx_batch._producer: required, missing',
      ],
      [
        edit(eventTime, '"eventTime":"2026-11-26 09:30:12"'),
        'eventTime: rejected by openlineage-java: Cannot deserialize value of type `java.time.ZonedDateTime`',
      ],
      [
        edit('"eventType":"START"', '"eventType":"SUCCESS"'),
        'eventType: rejected by openlineage-java: Cannot deserialize value of type `io.openlineage.client.OpenLineage$RunEvent$EventType` from String "SUCCESS"',
      ],
      [
        edit(eventTime, '"eventTime":"2026-11-26T09:30:12"'),
        'eventTime: rejected by openlineage-java',
      ],
      // what the client alone lets through: it ignores missing fields, reads "start" as START,
      // takes a time without seconds and relative URIs, and drops unknown top-level fields
      [edit(runId, '"runId":""'), 'run.runId: required, not a non-empty string'],
      [edit(`"schemaURL":"${OPENLINEAGE_SCHEMA_URL}",`, ''), 'schemaURL: required, missing'],
      [
        edit(`{"namespace":"${EMBEDDED_NAMESPACES.source}",`, '{'),
        'inputs[0].namespace: required, missing',
      ],
      [
        edit('"eventType":"START"', '"eventType":"start"'),
        'eventType: "start" is not one of [START,',
      ],
      [
        edit(eventTime, '"eventTime":"2026-11-26T09:30Z"'),
        'eventTime: "2026-11-26T09:30Z" is not an RFC 3339 date-time',
      ],
      [
        edit(`"producer":"${PRODUCER}"`, '"producer":"advertisex"'),
        'producer: "advertisex" is not an absolute URI',
      ],
      [
        edit(`"_schemaURL":"${PRODUCER}/`, '"_schemaURL":"/'),
        'run.facets.adx_batch._schemaURL: "/facets/AdxBatchRunFacet.json#/$defs/AdxBatchRunFacet" is not an absolute URI',
      ],
      [edit('{"eventType"', '{"adx_note":"x","eventType"'), 'adx_note: lost by openlineage-java'],
      ['{"eventType":', 'not JSON:'],
    ];
    const result = check([good, ...cases.map(([l]) => l)]);
    expect(result.status).toBe(1);
    cases.forEach(([, problem], i) => {
      const n = i + 2; // line 1 is the unchanged event
      const mine = result.out.filter((o) => o.startsWith(`line ${n}: `));
      expect(mine.join('\n')).toContain(`line ${n}: ${problem}`);
    });
    expect(result.out.filter((o) => o.startsWith('line 1:'))).toEqual([]);
    expect(result.out.at(-1)).toBe(`${cases.length} of ${cases.length + 1} events invalid`);
  });
});
