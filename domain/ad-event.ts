import type { SourceCoordinates } from './source-record';

export const EVENT_TYPES = ['impression', 'click', 'conversion', 'bid_request'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DEVICE_TYPES = ['mobile', 'desktop', 'tablet', 'ctv', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * The one schema every source is normalized into. Money is integer micros, times epoch ms UTC,
 * userId is already pseudonymized when it leaves the processor. Absent optional fields are omitted.
 */
export interface AdEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly eventTime: number;
  readonly userId: string;
  readonly campaignId: string;
  readonly adId?: string;
  readonly publisherId?: string;
  readonly deviceType?: DeviceType;
  readonly country?: string;
  /** clicks: the impression the ad server says was clicked */
  readonly impressionId?: string;
  /** impressions: clearing price paid */
  readonly costMicros?: number;
  /** conversions: value of the conversion */
  readonly revenueMicros?: number;
  readonly bidFloorMicros?: number;
  readonly bidPriceMicros?: number;
  readonly won?: boolean;
  readonly source: SourceCoordinates;
}

/** For building an event field by field inside a normalizer; what leaves it is readonly. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The identity dedupe keys on. */
export function eventKey(event: Pick<AdEvent, 'eventType' | 'eventId'>): string {
  return `${event.eventType}:${event.eventId}`;
}
