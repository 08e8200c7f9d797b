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
