import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import type { AppConfig } from '../config/config';
import { formatCampaignReport, kpisOf } from '../report/campaign-report';
import { describeViewsFreshness, viewsFreshnessJson } from '../report/views-freshness';
import { withReadWarehouse } from './cli-warehouse';
import { UsageError } from './exit-codes';
import { parseReportDate } from './option-parsers';

export { parseReportDate };

export interface ReportOptions {
  readonly from: string;
  readonly to: string;
  readonly campaign?: string;
  readonly json?: boolean;
}

/**
 * `adx report`: campaign metrics for [from, to) from the warehouse at DATABASE_URL or
 * ADX_PGLITE_DIR. Only an existing, migrated warehouse is read (see cli-warehouse.ts).
 */
export async function report(config: AppConfig, options: ReportOptions): Promise<string> {
  const from = parseReportDate(options.from, '--from');
  const to = parseReportDate(options.to, '--to');
  if (to <= from) throw new UsageError('--to must be after --from');
  return withReadWarehouse(config, 'adx report', async (knex) => {
    const warehouse = new SqlWarehouse(knex);
    const rows = await warehouse.campaignMetrics({
      from,
      to,
      ...(options.campaign ? { campaignId: options.campaign } : {}),
    });
    // the metrics come from the views: say which loads they include
    const freshness = await warehouse.aggregatesFreshness();
    if (options.json) {
      return JSON.stringify({
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        views: viewsFreshnessJson(freshness),
        campaigns: kpisOf(rows),
      });
    }
    return `${formatCampaignReport(rows)}\n\n${describeViewsFreshness(freshness)}`;
  });
}
