import type { DeviceType } from '../../domain';

/**
 * What happened in the simulated world, before it is written in any wire format. Money is
 * integer micros; times are epoch ms. The wire layer (wire.ts) turns these into records.
 */
interface Base {
  readonly id: string;
  readonly time: number;
  readonly userId: string;
  readonly campaignId: string;
  readonly publisherId: string;
  readonly device: DeviceType;
  readonly country: string;
}

export interface SimBidRequest extends Base {
  readonly kind: 'bid_request';
  readonly adId: string;
  readonly floorMicros: number;
  /** absent when we passed on the auction */
  readonly bidPriceMicros?: number;
  readonly won: boolean;
  readonly winPriceMicros?: number;
  readonly dealId?: string;
}

export interface SimImpression extends Base {
  readonly kind: 'impression';
  readonly adId: string;
  readonly winPriceMicros: number;
  /** the auction it was won in; absent for direct-sold inventory */
  readonly bidRequestId?: string;
  readonly placementId: string;
}

export interface SimClick extends Base {
  readonly kind: 'click';
  readonly adId: string;
  /** the ad server's reference to the impression, when it knows it */
  readonly impressionId?: string;
}

export interface SimConversion extends Base {
  readonly kind: 'conversion';
  readonly adId?: string;
  /** decimal text as advertisers send it, e.g. "23.40" */
  readonly revenue: string;
  readonly revenueMicros: number;
}

export type SimEvent = SimBidRequest | SimImpression | SimClick | SimConversion;
