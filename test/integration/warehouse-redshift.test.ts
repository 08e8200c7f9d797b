/**
 * Redshift. Offline (always): the manifests and JSONPaths the loader writes point at exactly the
 * objects the pipeline stages, and read from them the values the Postgres loader would store.
 * Live (only when REDSHIFT_URL is set, with REDSHIFT_S3_BUCKET, REDSHIFT_IAM_ROLE and AWS
 * credentials for S3): the Warehouse conformance suite against the cluster. Without REDSHIFT_URL
 * the live suite is not registered at all — one log line says so — so it is never counted as passed.
 */
import { gunzipSync } from 'node:zlib';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { RedshiftWarehouse } from '../../adapters/warehouse/redshift/redshift-warehouse';
import { copyManifests } from '../../adapters/warehouse/redshift/redshift-manifest';
import { jsonpathsFile, STAGE_COLUMNS } from '../../adapters/warehouse/redshift/redshift-stage';
import {
  ATTRIBUTION_STAGE_COLUMNS,
  EVENT_STAGE_COLUMNS,
} from '../../adapters/warehouse/stage-rows';
import { stageBatch } from '../../src/pipeline/staging';
import { warehouseConformance } from '../conformance/suites/warehouse.suite';
import { sampleBatches } from '../support/postgres';

const config = { bucket: 'adx-staging', iamRoleArn: 'arn:aws:iam::123456789012:role/copy' };

const resolve = (path: string, value: unknown): unknown =>
  path
    .slice(2)
    .split('.')
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

describe('Redshift COPY inputs from staged batches', () => {
  it('manifests list exactly the staged objects, and JSONPaths read the loaded values', async () => {
    const store = new MemoryObjectStore();
    const [batch] = sampleBatches('rs', 1, 300);
    const staged = await stageBatch(store, batch!.batchId, batch!.events, batch!.attributions);
    const manifests = copyManifests({ ...batch!, stagedKeys: staged.map((s) => s.key) }, config);
    const listed = manifests.flatMap((m) =>
      (JSON.parse(m.body) as { entries: { url: string }[] }).entries.map((e) => e.url),
    );
    expect(listed.sort()).toEqual(staged.map((s) => `s3://adx-staging/${s.key}`).sort());

    const stagedRows = new Map<string, unknown>();
    for (const { key } of staged) {
      const text = gunzipSync((await store.get(key))!.body).toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        const row = JSON.parse(line) as { eventId: string; model?: string };
        stagedRows.set(`${row.model ? 'a' : 'e'}:${row.eventId}`, row);
      }
    }
    const check = <Row extends { eventId: string }>(
      kind: 'event' | 'attribution',
      rows: readonly Row[],
      postgres: readonly { name: string; value: (r: Row) => unknown }[],
    ) => {
      const paths = (JSON.parse(jsonpathsFile(kind)) as { jsonpaths: string[] }).jsonpaths;
      for (const row of rows) {
        const line = stagedRows.get(`${kind === 'event' ? 'e' : 'a'}:${row.eventId}`);
        STAGE_COLUMNS[kind].forEach((column, i) => {
          const pg = postgres.find((c) => c.name === column.name);
          // Postgres stages ISO times where Redshift reads epoch ms; every other column is the same
          if (pg)
            expect([column.name, resolve(paths[i]!, line)]).toEqual([column.name, pg.value(row)]);
        });
      }
    };
    check('event', batch!.events, EVENT_STAGE_COLUMNS);
    check('attribution', batch!.attributions, ATTRIBUTION_STAGE_COLUMNS);
  });
});

const redshiftUrl = process.env.REDSHIFT_URL;
if (redshiftUrl) {
  const bucket = process.env.REDSHIFT_S3_BUCKET ?? '';
  const iamRoleArn = process.env.REDSHIFT_IAM_ROLE ?? '';
  const region = process.env.AWS_REGION ?? 'us-east-1';
  warehouseConformance('redshift (live)', async () => {
    if (!bucket || !iamRoleArn)
      throw new Error('REDSHIFT_S3_BUCKET and REDSHIFT_IAM_ROLE are required');
    const objectStore = new S3ObjectStore({ bucket, region });
    const warehouse = new RedshiftWarehouse({
      connectionString: redshiftUrl,
      bucket,
      iamRoleArn,
      region,
      objectStore,
    });
    await warehouse.createSchema();
    // the suite hands batches over with staged keys it did not stage: stage them first, as the
    // pipeline does, so COPY finds every object its manifest names
    const loadBatch = warehouse.loadBatch.bind(warehouse);
    warehouse.loadBatch = async (batch) => {
      const staged = await stageBatch(objectStore, batch.batchId, batch.events, batch.attributions);
      return loadBatch({ ...batch, stagedKeys: staged.map((s) => s.key) });
    };
    return { warehouse };
  });
} else {
  console.log('Redshift live suite not run: REDSHIFT_URL is not set');
}
