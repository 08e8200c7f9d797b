import type { EventType } from './ad-event';

/** How a click or conversion was attributed. The rule name is recorded with every result. */
export type AttributionModel =
  'explicit' | 'lookback' | 'last_click' | 'first_click' | 'view_through' | 'unattributed';

export const ATTRIBUTION_MODELS: readonly AttributionModel[] = [
  'explicit',
  'lookback',
  'last_click',
  'first_click',
  'view_through',
  'unattributed',
];

export interface Touch {
  readonly eventType: Extract<EventType, 'impression' | 'click'>;
  readonly eventId: string;
  readonly eventTime: number;
}

export interface Attribution {
  readonly partition: number;
  readonly eventType: Extract<EventType, 'click' | 'conversion'>;
  readonly eventId: string;
  readonly eventTime: number;
  readonly userId: string;
  readonly campaignId: string;
  readonly model: AttributionModel;
  /** the impression or click credited; absent when unattributed */
  readonly touch?: Touch;
  /** released at once because it arrived behind the watermark, so later touches could not be awaited */
  readonly late: boolean;
}
