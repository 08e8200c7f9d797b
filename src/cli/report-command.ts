import { TOKENS, type Warehouse } from '../../ports';
import type { AppConfig } from '../config/config';
import { buildContainer } from '../container/container';
import { formatCampaignReport, kpisOf } from '../report/campaign-report';

export interface ReportOptions {
  readonly from: string;
  readonly to: string;
  readonly campaign?: string;
  readonly json?: boolean;
}

/** YYYY-MM-DD (UTC day start) or a full ISO-8601 instant → epoch ms. */
export function parseReportDate(text: string, name: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (Number.isNaN(ms))
    throw new Error(`${name}: expected YYYY-MM-DD or an ISO-8601 instant, got '${text}'`);
  return ms;
}

/** `adx report`: campaign metrics for [from, to) from whichever warehouse the profile wires. */
export async function report(config: AppConfig, options: ReportOptions): Promise<string> {
  const from = parseReportDate(options.from, '--from');
  const to = parseReportDate(options.to, '--to');
  if (to <= from) throw new Error('--to must be after --from');
  const container = await buildContainer(config);
  const warehouse = container.get<Warehouse>(TOKENS.Warehouse);
  try {
    const rows = await warehouse.campaignMetrics({
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
  } finally {
    await warehouse.close();
  }
}
