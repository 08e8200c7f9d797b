import type { AdEvent, Attribution, CampaignTotals } from '../domain';

/** What one batch contributes to the warehouse; loaded in one transaction with its ledger entry. */
export interface WarehouseBatch {
  readonly batchId: string;
  readonly events: readonly AdEvent[];
  readonly attributions: readonly Attribution[];
  /** staged object keys, recorded in the ledger for lineage */
  readonly stagedKeys: readonly string[];
  /** the source range and the batch's counts, recorded in the ledger with its rows */
  readonly source?: BatchSource;
}

export interface BatchSource {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
}

export interface LoadResult {
  /** false when the batch id was already in the load ledger (a retry): nothing was written */
  readonly loaded: boolean;
  readonly rows: number;
}

export interface CampaignMetricsQuery {
  readonly from?: number;
  readonly to?: number;
  readonly campaignId?: string;
}

/** Per-campaign totals; rates are derived from these so they are never averaged wrongly. */
export type CampaignMetrics = CampaignTotals;

export interface Warehouse {
  /** idempotent: a batch id already in the ledger is skipped */
  loadBatch(batch: WarehouseBatch): Promise<LoadResult>;
  refreshAggregates(): Promise<void>;
  campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]>;
  close(): Promise<void>;
}
