/** The Redshift SQL the adapter generates: manifests, COPY, MERGE, physical design, views. */
import type { AdEvent } from '../../domain';
import type { WarehouseBatch } from '../../ports';
import { adEventCsvColumns } from '../../adapters/s3/csv-staging';
import { factColumns, FACT_TABLES } from '../../adapters/warehouse/fact-tables';
import { ATTRIBUTION_STAGE_COLUMNS } from '../../adapters/warehouse/stage-rows';
import { redshiftSchemaStatements } from '../../adapters/warehouse/redshift/redshift-ddl';
import { PSEUDONYM_PATTERN } from '../../adapters/crypto/keyring';
import {
  jsonpathsKey,
  literal,
  redshiftLoadPlan,
} from '../../adapters/warehouse/redshift/redshift-load-sql';
import { copyManifests } from '../../adapters/warehouse/redshift/redshift-manifest';
import {
  CSV_STAGE_COLUMNS,
  jsonpathsFile,
  STAGE_COLUMNS,
} from '../../adapters/warehouse/redshift/redshift-stage';

const config = {
  bucket: 'adx-staging',
  iamRoleArn: 'arn:aws:iam::123456789012:role/adx-redshift-copy',
  region: 'eu-west-1',
};
const batchId = 'impressions-2-100-199';
const batch = (stagedKeys: string[]): WarehouseBatch => ({
  batchId,
  events: [],
  attributions: [],
  stagedKeys,
});
const keys = [
  `staging/fact_impression/dt=2026-11-26/${batchId}.ndjson.gz`,
  `staging/fact_impression/dt=2026-11-25/${batchId}.ndjson.gz`,
  `staging/fact_click/dt=2026-11-26/${batchId}.ndjson.gz`,
  `staging/fact_attribution/dt=2026-11-26/${batchId}.ndjson.gz`,
];
const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const statementsOf = (stagedKeys: string[]) => {
  const b = batch(stagedKeys);
  return redshiftLoadPlan(b, copyManifests(b, config), config).statements.map(squash);
};

describe('Redshift manifests', () => {
  it('builds one manifest per table and format, every object mandatory, keys deterministic', () => {
    const manifests = copyManifests(batch(keys), config);
    expect(manifests.map((m) => [m.table, m.format, m.key])).toEqual([
      [
        'fact_attribution',
        'json',
        `staging/_redshift/manifests/${batchId}/fact_attribution.json.manifest`,
      ],
      ['fact_click', 'json', `staging/_redshift/manifests/${batchId}/fact_click.json.manifest`],
      [
        'fact_impression',
        'json',
        `staging/_redshift/manifests/${batchId}/fact_impression.json.manifest`,
      ],
    ]);
    expect(JSON.parse(manifests[2]?.body ?? '')).toEqual({
      entries: [
        {
          url: `s3://adx-staging/staging/fact_impression/dt=2026-11-25/${batchId}.ndjson.gz`,
          mandatory: true,
        },
        {
          url: `s3://adx-staging/staging/fact_impression/dt=2026-11-26/${batchId}.ndjson.gz`,
          mandatory: true,
        },
      ],
    });
    expect(copyManifests(batch([...keys].reverse()), config)).toEqual(manifests);
  });

  it('separates CSV from NDJSON objects of the same table', () => {
    const csv = `staging/fact_click/dt=2026-11-26/${batchId}.csv.gz`;
    const formats = copyManifests(batch([keys[2] as string, csv]), config).map((m) => m.format);
    expect(formats).toEqual(['csv', 'json']);
  });

  it('refuses keys that are not staging objects', () => {
    expect(() => copyManifests(batch(['staging/../secrets/x.ndjson.gz']), config)).toThrow(
      /not a staging object key/,
    );
    expect(() =>
      copyManifests(batch(['other/fact_click/dt=2026-11-26/b.ndjson.gz']), config),
    ).toThrow();
  });
});

describe('Redshift load SQL', () => {
  it('serializes loads on the ledger and checks it before anything is written', () => {
    const b = batch(keys);
    const plan = redshiftLoadPlan(b, copyManifests(b, config), config);
    expect(plan.claim).toEqual(['LOCK load_ledger']);
    expect(plan.ledgerCheck).toBe(
      `SELECT COUNT(*) AS found FROM load_ledger WHERE batch_id = '${batchId}'`,
    );
    expect(plan.ledgerInsert(12, 3)).toBe(
      'INSERT INTO load_ledger (batch_id, rows, attribution_rows, staged_keys) ' +
        `VALUES ('${batchId}', 12, 3, JSON_PARSE('${JSON.stringify(keys)}'))`,
    );
    expect(squash(plan.countRows)).toBe(
      'SELECT (SELECT COUNT(*) FROM stage_fact_click) + (SELECT COUNT(*) FROM stage_fact_impression) AS rows',
    );
    expect(squash(plan.countAttributions)).toBe(
      'SELECT (SELECT COUNT(*) FROM stage_fact_attribution) AS rows',
    );
  });

  it('COPYs NDJSON through the manifest with a JSONPaths file, gzip, the IAM role and region', () => {
    const copy = statementsOf(keys).find((s) => s.startsWith('COPY stage_fact_impression_raw'));
    expect(copy).toBe(
      `COPY stage_fact_impression_raw (${STAGE_COLUMNS.event.map((c) => c.name).join(', ')}) ` +
        `FROM 's3://adx-staging/staging/_redshift/manifests/${batchId}/fact_impression.json.manifest' ` +
        "IAM_ROLE 'arn:aws:iam::123456789012:role/adx-redshift-copy' REGION 'eu-west-1' " +
        "FORMAT AS JSON 's3://adx-staging/staging/_redshift/jsonpaths/event.jsonpaths' GZIP MANIFEST",
    );
    expect(jsonpathsKey(config, 'attribution')).toBe(
      'staging/_redshift/jsonpaths/attribution.jsonpaths',
    );
  });

  it('COPYs staged CSV by its column list', () => {
    const csvKey = `staging/fact_click/dt=2026-11-26/${batchId}.csv.gz`;
    const copy = statementsOf([csvKey]).find((s) => s.startsWith('COPY'));
    expect(copy).toContain(`COPY stage_fact_click_raw (${CSV_STAGE_COLUMNS.join(', ')}) FROM`);
    expect(copy).toContain("FORMAT AS CSV TIMEFORMAT 'auto' EMPTYASNULL GZIP MANIFEST");
  });

  it('MERGEs into every fact table on its event id, inserting every fact column', () => {
    const statements = statementsOf(keys);
    for (const type of ['impression', 'click'] as const) {
      const table = FACT_TABLES[type];
      const merge = statements.find((s) => s.startsWith(`MERGE INTO ${table}`));
      const columns = [...factColumns(type), 'batch_id'];
      expect(merge).toBe(
        `MERGE INTO ${table} USING stage_${table} s ON ${table}.event_id = s.event_id ` +
          `WHEN MATCHED THEN UPDATE SET batch_id = ${table}.batch_id ` +
          `WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (` +
          columns
            .map((c) =>
              c === 'batch_id'
                ? `'${batchId}'`
                : c === 'date_key'
                  ? "CAST(TO_CHAR(s.event_time, 'YYYYMMDD') AS INTEGER)"
                  : `s.${c}`,
            )
            .join(', ') +
          ')',
      );
    }
    const attribution = statements.find((s) => s.startsWith('MERGE INTO fact_attribution'));
    expect(attribution).toContain(
      'ON fact_attribution.event_type = s.event_type AND fact_attribution.event_id = s.event_id',
    );
    expect(attribution).toContain(
      `INSERT (${[...ATTRIBUTION_STAGE_COLUMNS.map((c) => c.name), 'batch_id'].join(', ')})`,
    );
  });

  it('keeps the first row per event id and drops ids already loaded, before the MERGE', () => {
    const statements = statementsOf(keys);
    const dedupe = statements.find((s) => s.startsWith('CREATE TEMP TABLE stage_fact_click AS'));
    expect(dedupe).toContain(
      'ROW_NUMBER() OVER (PARTITION BY r.event_id ORDER BY r.event_time_ms)',
    );
    expect(dedupe).toContain('WHERE first_seen = 1');
    expect(dedupe).toContain(
      'AND NOT EXISTS (SELECT 1 FROM fact_click WHERE fact_click.event_id = s.event_id)',
    );
    const order = (prefix: string) => statements.findIndex((s) => s.startsWith(prefix));
    expect(order('COPY stage_fact_click_raw')).toBeLessThan(
      order('CREATE TEMP TABLE stage_fact_click AS'),
    );
    expect(order('CREATE TEMP TABLE stage_fact_click AS')).toBeLessThan(
      order('MERGE INTO fact_click'),
    );
    expect(order('MERGE INTO fact_click')).toBeLessThan(order('INSERT INTO dim_campaign'));
  });

  it('adds only new dimension keys', () => {
    const dims = statementsOf(keys).filter((s) => s.startsWith('INSERT INTO dim_'));
    expect(dims.map((s) => s.split(' ')[2])).toEqual(['dim_date', 'dim_campaign', 'dim_publisher']);
    expect(dims[1]).toContain(
      'WHERE NOT EXISTS (SELECT 1 FROM dim_campaign d WHERE d.campaign_id = k.campaign_id)',
    );
  });

  it('quotes literals', () => {
    expect(literal("it's")).toBe("'it''s'");
  });
});

describe('Redshift schema', () => {
  const ddl = redshiftSchemaStatements().map(squash);
  const table = (name: string) =>
    ddl.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name} (`)) ?? '';

  it('distributes facts by user and sorts them by event time', () => {
    for (const name of [...Object.values(FACT_TABLES), 'fact_attribution']) {
      expect(table(name)).toMatch(/\) DISTKEY\(user_id\) SORTKEY\(event_time\)$/);
    }
  });

  it('has every column the Postgres loader writes, and a primary key on the event id', () => {
    for (const [type, name] of Object.entries(FACT_TABLES)) {
      const sql = table(name);
      for (const column of [
        ...factColumns(type as keyof typeof FACT_TABLES),
        'batch_id',
        'loaded_at',
      ]) {
        expect(sql).toMatch(new RegExp(`[(,] ${column} `));
      }
      expect(sql).toContain('PRIMARY KEY (event_id)');
    }
    expect(table('fact_attribution')).toContain('PRIMARY KEY (event_type, event_id)');
  });

  it('replicates dimensions and the ledger to every node', () => {
    for (const name of [
      'dim_date',
      'dim_campaign',
      'dim_publisher',
      'load_ledger',
      'aggregate_refresh',
    ]) {
      expect(table(name)).toMatch(/DISTSTYLE ALL/);
    }
  });

  it('defines hourly and daily campaign views with AUTO REFRESH and every metric', () => {
    for (const view of ['mv_campaign_hourly', 'mv_campaign_daily']) {
      const sql = ddl.find((s) => s.startsWith(`CREATE MATERIALIZED VIEW ${view} `)) ?? '';
      expect(sql).toContain('AUTO REFRESH YES AS SELECT');
      for (const metric of [
        'impressions',
        'clicks',
        'conversions',
        'spend_micros',
        'revenue_micros',
        'bid_requests',
        'bids_won',
        'ctr',
        'cvr',
        'cpa',
        'cpm',
        'roas',
        'win_rate',
      ]) {
        expect(sql).toContain(` AS ${metric}`);
      }
    }
  });
});

describe('Redshift stage formats', () => {
  const event: AdEvent = {
    eventId: 'imp-1',
    eventType: 'bid_request',
    eventTime: Date.UTC(2026, 10, 26, 6, 0, 0, 123),
    userId: 'f'.repeat(64),
    campaignId: 'cmp-1',
    publisherId: 'pub-1',
    bidFloorMicros: 10,
    won: true,
    source: {
      topic: 'bid_requests',
      partition: 2,
      offset: '9000000000000000001',
      format: 'avro',
      schemaId: 7,
    },
  };

  /** the subset of JSONPath that JSONPaths files use: $.a.b */
  const resolve = (path: string, value: unknown): unknown =>
    path
      .slice(2)
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

  it('JSONPaths read every stage column out of a staged NDJSON line', () => {
    const staged = JSON.parse(JSON.stringify(event)) as unknown;
    const paths = JSON.parse(jsonpathsFile('event')) as { jsonpaths: string[] };
    const values = Object.fromEntries(
      STAGE_COLUMNS.event.map((c, i) => [c.name, resolve(paths.jsonpaths[i] as string, staged)]),
    );
    expect(values).toMatchObject({
      event_id: 'imp-1',
      event_type: 'bid_request',
      event_time_ms: event.eventTime,
      source_offset: '9000000000000000001',
      schema_id: 7,
      won: true,
    });
  });

  it('reads the staged CSV in the order adapters/s3 writes it', () => {
    const written = adEventCsvColumns(batchId).map((c) => c.name);
    expect(CSV_STAGE_COLUMNS).toEqual(
      written.map((name) => (name === 'source_schema_id' ? 'schema_id' : name)),
    );
  });
});

describe('pseudonym columns', () => {
  // `<key id>.<hex>` with the longest key id the keyring accepts (adapters/crypto/keyring.ts)
  const longest = `${'k'.repeat(16)}.${'a'.repeat(64)}`;
  const width = (type: string): number => Number(/^VARCHAR\((\d+)\)$/.exec(type)?.[1] ?? 0);

  it('hold the longest pseudonym, key id prefix included, in the tables and the stage', () => {
    expect(PSEUDONYM_PATTERN.test(longest)).toBe(true);
    const userIdTypes = redshiftSchemaStatements().flatMap((sql) =>
      [...sql.matchAll(/\buser_id (\S+) NOT NULL/g)].map((m) => m[1] as string),
    );
    expect(userIdTypes.length).toBeGreaterThanOrEqual(5); // four facts and the attributions
    for (const type of userIdTypes) expect(width(type)).toBeGreaterThanOrEqual(longest.length);
    for (const kind of ['event', 'attribution'] as const) {
      const column = STAGE_COLUMNS[kind].find((c) => c.name === 'user_id');
      expect(width(column?.type ?? '')).toBeGreaterThanOrEqual(longest.length);
    }
  });
});
