/**
 * OpenLineage dataset names follow its naming conventions, so our datasets match what other tools
 * report for the same Kafka cluster, S3 bucket and Postgres database.
 */
import { loadConfig } from '../../src/config/config';
import { datasetNamespaces, EMBEDDED_NAMESPACES } from '../../src/lineage/dataset-namespaces';
import { runEvent } from '../../src/lineage/openlineage';
import type { LineageStep } from '../../ports';
import { describedBatch } from '../support/source-batch';

const REAL = {
  ADX_PROFILE: 'real',
  KAFKA_BROKERS: '10.0.0.7:9092,10.0.0.8:9092',
  SCHEMA_REGISTRY_URL: 'http://registry:8081',
  ADX_PSEUDONYMIZATION_KEY: 'cd'.repeat(32),
};

describe('datasetNamespaces', () => {
  it('names Kafka by its first bootstrap broker, S3 by bucket, Postgres by host:port and database.schema', () => {
    expect(
      datasetNamespaces(
        loadConfig({
          ...REAL,
          S3_BUCKET: 'adx-stage',
          ADX_WAREHOUSE: 'postgres',
          DATABASE_URL:
            'postgresql://loader:secret@db.internal:6432/adx?options=-c%20search_path%3Dwarehouse',
        }),
      ),
    ).toEqual({
      source: 'kafka://10.0.0.7:9092',
      staging: 's3://adx-stage',
      warehouse: 'postgres://db.internal:6432',
      tablePrefix: 'adx.warehouse.',
    });
  });

  it('defaults the Postgres port and schema, and never carries credentials', () => {
    const ns = datasetNamespaces(
      loadConfig({
        ...REAL,
        ADX_WAREHOUSE: 'postgres',
        DATABASE_URL: 'postgres://loader:secret@db.internal/advertisex',
      }),
    );
    expect(ns).toMatchObject({
      warehouse: 'postgres://db.internal:5432',
      tablePrefix: 'advertisex.public.',
    });
    expect(JSON.stringify(ns)).not.toContain('secret');
    expect(ns.staging).toBe(EMBEDDED_NAMESPACES.staging);
  });

  it('names the embedded run’s in-process parts as such', () => {
    expect(
      datasetNamespaces(loadConfig({ ADX_WAREHOUSE: 'pglite', ADX_PGLITE_DIR: '/var/lib/adx' })),
    ).toEqual({
      ...EMBEDDED_NAMESPACES,
      warehouse: 'pglite:///var/lib/adx',
    });
    expect(datasetNamespaces(loadConfig({ ADX_WAREHOUSE: 'memory' }))).toEqual(EMBEDDED_NAMESPACES);
  });
});

describe('runEvent datasets', () => {
  const batch = describedBatch('impression', 'impressions', 1, '0', '9');
  const step = (name: LineageStep['step'], outputs: string[]): LineageStep => ({
    batchId: batch.id,
    step: name,
    inputs: [],
    outputs,
    counts: {},
    ruleVersions: {},
    at: 0,
  });

  it('puts the topic in, and the staged keys and qualified tables out', () => {
    const ns = {
      source: 'kafka://k:9092',
      staging: 's3://b',
      warehouse: 'postgres://h:5432',
      tablePrefix: 'd.s.',
    };
    const steps = [
      step('stage', ['s3://staging/fact_impression/dt=2026-11-26/impressions-1-0-9.ndjson.gz']),
      step('load', ['table:fact_impression']),
    ];
    const event = runEvent('COMPLETE', batch, 0, steps, undefined, ns);
    expect(event.inputs).toEqual([{ namespace: 'kafka://k:9092', name: 'impressions' }]);
    expect(event.outputs).toEqual([
      {
        namespace: 's3://b',
        name: 'staging/fact_impression/dt=2026-11-26/impressions-1-0-9.ndjson.gz',
      },
      { namespace: 'postgres://h:5432', name: 'd.s.fact_impression' },
    ]);
    expect(runEvent('START', batch, 0, [], undefined, ns).outputs).toEqual([]);
  });

  it('gives the error facet the spec’s own schema URL', () => {
    const event = runEvent('FAIL', batch, 0, [], new Error('boom'));
    expect(event.run.facets?.errorMessage).toEqual({
      _producer: expect.any(String),
      _schemaURL:
        'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: 'boom',
      programmingLanguage: 'TypeScript',
    });
  });
});
