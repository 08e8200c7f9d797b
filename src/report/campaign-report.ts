import { campaignKpis, sumCampaignTotals, type CampaignKpis } from '../../domain';
import type { CampaignMetrics } from '../../ports';

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
/** micros to units with two decimals, rounded half up on whole cents (micros are integers) */
const cents = (micros: number): string => (Math.round(micros / 10_000) / 100).toFixed(2);
const money = (v: number | null): string => (v === null ? '-' : v.toFixed(2));

export function kpisOf(rows: readonly CampaignMetrics[]): CampaignKpis[] {
  return rows.map(campaignKpis);
}

/** The per-campaign table printed at the end of a run and by `adx report`. */
export function formatCampaignReport(rows: readonly CampaignMetrics[]): string {
  const kpis = kpisOf(rows);
  const total = sumCampaignTotals('TOTAL', rows);
  const header = [
    'campaign',
    'impressions',
    'clicks',
    'conversions',
    'spend',
    'revenue',
    'CTR',
    'CVR',
    'CPA',
    'CPM',
    'ROAS',
    'bids',
    'win rate',
  ];
  const lines = [...kpis, campaignKpis(total)].map((r) => [
    r.campaignId,
    String(r.impressions),
    String(r.clicks),
    String(r.conversions),
    cents(r.spendMicros),
    cents(r.revenueMicros),
    pct(r.ctr),
    pct(r.cvr),
    money(r.cpa),
    money(r.cpm),
    r.roas === null ? '-' : r.roas.toFixed(2),
    String(r.bidRequests),
    pct(r.winRate),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const row = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}
