import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import type { AppConfig } from '../config/config';
import { formatCampaignReport, kpisOf } from '../report/campaign-report';
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
    const rows = await new SqlWarehouse(knex).campaignMetrics({
      from,
      to,
      ...(options.campaign ? { campaignId: options.campaign } : {}),
    });
    if (options.json) {
      return JSON.stringify({
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        campaigns: kpisOf(rows),
      });
    }
    return formatCampaignReport(rows);
  });
}
