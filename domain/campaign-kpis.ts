import type { Mutable } from './ad-event';
import { MICROS_PER_UNIT } from './money';

export interface CampaignTotals {
  readonly campaignId: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
  readonly spendMicros: number;
  readonly revenueMicros: number;
  readonly bidRequests: number;
  readonly bidsWon: number;
}

export function emptyCampaignTotals(campaignId: string): Mutable<CampaignTotals> {
  return {
    campaignId,
    impressions: 0,
    clicks: 0,
    conversions: 0,
    spendMicros: 0,
    revenueMicros: 0,
    bidRequests: 0,
    bidsWon: 0,
  };
}

/** Totals add; rates do not, which is why reports keep totals and derive rates last. */
export function sumCampaignTotals(
  campaignId: string,
  rows: readonly CampaignTotals[],
): CampaignTotals {
  const sum = emptyCampaignTotals(campaignId);
  for (const r of rows) {
    sum.impressions += r.impressions;
    sum.clicks += r.clicks;
    sum.conversions += r.conversions;
    sum.spendMicros += r.spendMicros;
    sum.revenueMicros += r.revenueMicros;
    sum.bidRequests += r.bidRequests;
    sum.bidsWon += r.bidsWon;
  }
  return sum;
}

/** Rates from totals (never averaged from rates). A ratio over zero is null, not 0 or Infinity. */
export interface CampaignKpis extends CampaignTotals {
  readonly ctr: number | null;
  readonly cvr: number | null;
  /** cost per acquisition, in units of account currency */
  readonly cpa: number | null;
  /** cost per thousand impressions, in units */
  readonly cpm: number | null;
  readonly roas: number | null;
  readonly winRate: number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export function campaignKpis(t: CampaignTotals): CampaignKpis {
  return {
    ...t,
    ctr: ratio(t.clicks, t.impressions),
    cvr: ratio(t.conversions, t.clicks),
    cpa: ratio(t.spendMicros / MICROS_PER_UNIT, t.conversions),
    cpm: ratio((t.spendMicros / MICROS_PER_UNIT) * 1000, t.impressions),
    roas: ratio(t.revenueMicros, t.spendMicros),
    winRate: ratio(t.bidsWon, t.bidRequests),
  };
}
