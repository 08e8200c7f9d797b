import knexFactory, { type Knex } from 'knex';
import type {
  AggregatesFreshness,
  CampaignMetrics,
  CampaignMetricsQuery,
  LoadResult,
  ObjectStore,
  RefreshOutcome,
  Warehouse,
  WarehouseBatch,
} from '../../../ports';
import {
  campaignMetricsQuery,
  toCampaignMetrics,
  type MetricsSource,
} from '../campaign-metrics-sql';
import { toSafeInteger } from '../sql-numbers';
import { redshiftSchemaStatements } from './redshift-ddl';
import { jsonpathsKey, redshiftLoadPlan } from './redshift-load-sql';
import { copyManifests, type RedshiftS3Config } from './redshift-manifest';
import { redshiftFreshness, redshiftRefresh } from './redshift-refresh';
import { jsonpathsFile, type StageKind } from './redshift-stage';

export interface RedshiftWarehouseConfig extends RedshiftS3Config {
  /** postgresql://user:password@cluster.region.redshift.amazonaws.com:5439/database */
  readonly connectionString: string;
  /** where the staged objects are: manifests and JSONPaths files are put next to them */
  readonly objectStore: ObjectStore;
  readonly metricsSource?: MetricsSource;
}

type Rows<T> = { rows: T[] };

/**
 * The warehouse on Redshift: rows come from the objects the pipeline staged in S3 (COPY through a
 * manifest), not through the connection. One transaction per batch holds a lock on the ledger, so
 * "already loaded?" and "record as loaded" cannot interleave between two loaders.
 */
export class RedshiftWarehouse implements Warehouse {
  private readonly knex: Knex;
  private jsonpathsPut = false;

  constructor(private readonly config: RedshiftWarehouseConfig) {
    // Redshift speaks the Postgres protocol; only raw SQL is sent, so the pg client is enough
    this.knex = knexFactory({
      client: 'pg',
      connection: config.connectionString,
      pool: { min: 0, max: 3 },
    });
  }

  /** CREATE TABLE IF NOT EXISTS for everything; the views only when missing. */
  async createSchema(): Promise<void> {
    const existing = await this.knex.raw<Rows<{ name: string }>>(
      "SELECT name FROM stv_mv_info WHERE name IN ('mv_campaign_hourly', 'mv_campaign_daily')",
    );
    const present = new Set(existing.rows.map((r) => r.name));
    for (const statement of redshiftSchemaStatements()) {
      const view = /^CREATE MATERIALIZED VIEW (\w+)/.exec(statement)?.[1];
      if (view === undefined || !present.has(view)) await this.knex.raw(statement);
    }
  }

  async loadBatch(batch: WarehouseBatch): Promise<LoadResult> {
    const manifests = copyManifests(batch, this.config);
    // S3 first, outside the transaction (it holds the ledger lock): deterministic keys, so a
    // retried batch overwrites its own manifests
    await this.putJsonpaths();
    for (const m of manifests) {
      await this.config.objectStore.put(m.key, Buffer.from(m.body), 'application/json');
    }
    const plan = redshiftLoadPlan(batch, manifests, this.config);
    return this.knex.transaction(async (trx) => {
      for (const statement of plan.claim) await trx.raw(statement);
      const found = await trx.raw<Rows<{ found: unknown }>>(plan.ledgerCheck);
      if (toSafeInteger(found.rows[0]?.found, 'found') > 0) return { loaded: false, rows: 0 };
      for (const statement of plan.statements) await trx.raw(statement);
      const rows = await this.count(trx, plan.countRows);
      const attributions = await this.count(trx, plan.countAttributions);
      await trx.raw(plan.ledgerInsert(rows, attributions));
      return { loaded: true, rows };
    });
  }

  /**
   * Views refresh themselves (AUTO REFRESH YES); this forces it when the ledger moved since the
   * last forced refresh, and records it (redshift-refresh.ts). Readers are never blocked; a second
   * member's refresh queues behind the first in Redshift, so there is no 'busy' here.
   */
  refreshAggregates(): Promise<RefreshOutcome> {
    return redshiftRefresh(this.knex);
  }

  aggregatesFreshness(): Promise<AggregatesFreshness | undefined> {
    return redshiftFreshness(this.knex);
  }

  async campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]> {
    const result = await campaignMetricsQuery(
      this.knex,
      query,
      this.config.metricsSource ?? 'aggregates',
    );
    const { rows } = result as unknown as Rows<Parameters<typeof toCampaignMetrics>[0]>;
    return rows.map(toCampaignMetrics);
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  private async count(trx: Knex.Transaction, sql: string): Promise<number> {
    const result = await trx.raw<Rows<{ rows: unknown }>>(sql);
    return toSafeInteger(result.rows[0]?.rows, 'rows');
  }

  private async putJsonpaths(): Promise<void> {
    if (this.jsonpathsPut) return;
    for (const kind of ['event', 'attribution'] as StageKind[]) {
      const body = Buffer.from(jsonpathsFile(kind));
      await this.config.objectStore.put(jsonpathsKey(this.config, kind), body, 'application/json');
    }
    this.jsonpathsPut = true;
  }
}
