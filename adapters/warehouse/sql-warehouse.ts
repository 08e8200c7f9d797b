import type { Knex } from 'knex';
import type {
  AggregatesFreshness,
  CampaignMetrics,
  CampaignMetricsQuery,
  LoadResult,
  RefreshOptions,
  RefreshOutcome,
  Warehouse,
  WarehouseBatch,
} from '../../ports';
import { postgresPolicyOf } from '../postgres/postgres-policy';
import { readFreshness, refreshAggregatesSql } from './aggregate-refresh-sql';
import {
  campaignMetricsQuery,
  toCampaignMetrics,
  type MetricsSource,
} from './campaign-metrics-sql';
import { loadBatchInTransaction, type LoadStepHook } from './load-batch';

export interface SqlWarehouseOptions {
  /** where campaignMetrics reads (default: the aggregate views, as of the last refresh) */
  readonly metricsSource?: MetricsSource;
  /** destroy the knex instance on close(): true when the warehouse opened it itself */
  readonly ownsConnection?: boolean;
  /** called after each step of a load, inside its transaction (fault injection in tests) */
  readonly onLoadStep?: LoadStepHook;
}

/**
 * The warehouse on the Postgres engine, server or embedded: one implementation, because PGlite is
 * Postgres. What differs — the connection and how COPY gets its data — is decided by the knex
 * instance it is given (see openPostgresWarehouse, openPgliteWarehouse).
 */
export class SqlWarehouse implements Warehouse {
  constructor(
    readonly knex: Knex,
    private readonly options: SqlWarehouseOptions = {},
  ) {}

  /**
   * One transaction: ledger claim, COPY, dimensions, facts, attributions, ledger counts; one
   * attempt of the server's policy. A retry after an attempt that did commit finds the ledger row
   * and loads nothing (loaded: false).
   */
  loadBatch(batch: WarehouseBatch): Promise<LoadResult> {
    return postgresPolicyOf(this.knex).execute(() =>
      this.knex.transaction((trx) => this.loadBatchIn(trx, batch)),
    );
  }

  /**
   * The same load inside a transaction the caller owns, so other writes (the decider state, see
   * PostgresUnitOfWork) commit or roll back with it.
   */
  loadBatchIn(trx: Knex.Transaction, batch: WarehouseBatch): Promise<LoadResult> {
    return loadBatchInTransaction(trx, batch, this.options.onLoadStep);
  }

  /**
   * CONCURRENTLY: the new contents are computed beside the old and swapped in by a diff, so readers
   * of the views are never blocked. One member at a time, only when the ledger moved, recorded in
   * `aggregate_refresh` with it (see aggregate-refresh-sql.ts).
   */
  refreshAggregates(options?: RefreshOptions): Promise<RefreshOutcome> {
    return refreshAggregatesSql(this.knex, options);
  }

  aggregatesFreshness(): Promise<AggregatesFreshness | undefined> {
    return readFreshness(this.knex);
  }

  async campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]> {
    const result = await campaignMetricsQuery(
      this.knex,
      query,
      this.options.metricsSource ?? 'aggregates',
    );
    // knex hands back the driver's result object for raw queries: rows are in .rows
    const { rows } = result as unknown as { rows: Parameters<typeof toCampaignMetrics>[0][] };
    return rows.map(toCampaignMetrics);
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.knex.destroy();
  }
}
