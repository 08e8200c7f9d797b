import {
  emptyCampaignTotals,
  emptyReasonCounts,
  type CampaignTotals,
  type EventType,
  type Mutable,
  type RejectionReason,
} from '../../domain';
import type { SimEvent } from './sim-events';

/** Per campaign, over unique valid events: the totals the warehouse must report. */
export type CampaignTruth = Mutable<Omit<CampaignTotals, 'campaignId'>>;

/**
 * What the simulator emitted, counted as the pipeline must count it: each valid original is
 * accepted once, each re-send is a duplicate, each malformed record is rejected with its reason.
 */
export interface GroundTruth {
  records: number;
  validUnique: Record<EventType, number>;
  duplicates: number;
  malformed: Record<RejectionReason, number>;
  perCampaign: Map<string, CampaignTruth>;
  /** valid records sent after their event time on purpose (within the allowed lateness) */
  lateValid: number;
}

export function emptyGroundTruth(): GroundTruth {
  return {
    records: 0,
    validUnique: { impression: 0, click: 0, conversion: 0, bid_request: 0 },
    duplicates: 0,
    malformed: emptyReasonCounts(),
    perCampaign: new Map(),
    lateValid: 0,
  };
}

const emptyCampaign = (): CampaignTruth => {
  const { campaignId: _, ...zero } = emptyCampaignTotals('');
  return zero;
};

export function countValid(truth: GroundTruth, event: SimEvent, late: boolean): void {
  truth.records++;
  truth.validUnique[event.kind]++;
  if (late) truth.lateValid++;
  let campaign = truth.perCampaign.get(event.campaignId);
  if (!campaign) truth.perCampaign.set(event.campaignId, (campaign = emptyCampaign()));
  switch (event.kind) {
    case 'impression':
      campaign.impressions++;
      campaign.spendMicros += event.winPriceMicros;
      return;
    case 'click':
      campaign.clicks++;
      return;
    case 'conversion':
      campaign.conversions++;
      campaign.revenueMicros += event.revenueMicros;
      return;
    case 'bid_request':
      campaign.bidRequests++;
      if (event.won) campaign.bidsWon++;
      return;
  }
}

export function countDuplicate(truth: GroundTruth): void {
  truth.records++;
  truth.duplicates++;
}

export function countMalformed(truth: GroundTruth, reason: RejectionReason): void {
  truth.records++;
  truth.malformed[reason]++;
}

/** A copy the caller may keep while the simulator goes on. */
export function snapshot(truth: GroundTruth): GroundTruth {
  return {
    ...truth,
    validUnique: { ...truth.validUnique },
    malformed: { ...truth.malformed },
    perCampaign: new Map([...truth.perCampaign].map(([id, c]) => [id, { ...c }])),
  };
}
