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

/** What the aggregates reflect: their last refresh, by whichever member ran it. */
export interface AggregatesFreshness {
  /** when that refresh committed, epoch ms */
  readonly refreshedAt: number;
  /** the newest load it covered (the ledger's loaded_at, epoch ms); undefined: the ledger was empty */
  readonly coversLoadsUpTo: number | undefined;
  /** how many ledger entries (batches) it covered */
  readonly coversBatches: number;
}

export type RefreshOutcome =
  /** this call refreshed the views */
  | { readonly status: 'refreshed'; readonly freshness: AggregatesFreshness }
  /** nothing was loaded since the last refresh, by any member: nothing to do */
  | { readonly status: 'current'; readonly freshness: AggregatesFreshness | undefined }
  /** another member was refreshing for longer than the caller would wait */
  | { readonly status: 'busy' };

export interface RefreshOptions {
  /** how long to wait while another member refreshes: 0 answers 'busy' at once (default: no limit) */
  readonly waitMs?: number;
}

export interface Warehouse {
  /** idempotent: a batch id already in the ledger is skipped */
  loadBatch(batch: WarehouseBatch): Promise<LoadResult>;
  /**
   * Brings the aggregates up to every load committed before the call, whoever loaded it. One
   * refresh at a time across every member sharing the warehouse; skipped when the last one, by
   * anyone, already covers the ledger.
   */
  refreshAggregates(options?: RefreshOptions): Promise<RefreshOutcome>;
  /** the last refresh by any member; undefined when the views were never refreshed */
  aggregatesFreshness(): Promise<AggregatesFreshness | undefined>;
  campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]>;
  close(): Promise<void>;
}
