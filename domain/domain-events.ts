import type { AdEvent, EventType } from './ad-event';
import type { Attribution } from './attribution-types';
import type { Rejection } from './rejection';
import type { SourceCoordinates } from './source-record';

/** The record of what the pipeline decided. Decider state and every table are projections of these. */
export type DomainEvent =
  | {
      readonly type: 'EventAccepted';
      readonly event: AdEvent;
      /** a click or conversion's user under older pseudonymization keys (see Validated) */
      readonly userAliases?: readonly string[];
    }
  | {
      readonly type: 'DuplicateDropped';
      readonly eventType: EventType;
      readonly eventId: string;
      readonly eventTime: number;
      readonly source: SourceCoordinates;
    }
  | {
      readonly type: 'RecordRejected';
      readonly source: SourceCoordinates;
      readonly rejection: Rejection;
    }
  | { readonly type: 'ClickAttributed'; readonly attribution: Attribution }
  | { readonly type: 'ConversionAttributed'; readonly attribution: Attribution }
  /** the input (topic, on this partition) stopped holding the group's watermark back */
  | { readonly type: 'InputIdle'; readonly partition: number; readonly topic: string };

export function partitionOf(event: DomainEvent): number {
  switch (event.type) {
    case 'EventAccepted':
      return event.event.source.partition;
    case 'DuplicateDropped':
    case 'RecordRejected':
      return event.source.partition;
    case 'ClickAttributed':
    case 'ConversionAttributed':
      return event.attribution.partition;
    case 'InputIdle':
      return event.partition;
  }
}

/** Rejections and duplicates are recorded, but change no decider state. */
export function changesState(event: DomainEvent): boolean {
  return event.type !== 'RecordRejected' && event.type !== 'DuplicateDropped';
}

/**
 * The event as the changelog keeps it: what the deciders fold, nothing the warehouse alone needs
 * (an accepted event keeps type, id, time, user, campaign, the impression a click names and its
 * source). Folding these gives exactly the state folding the full events gives.
 */
export function asStateChange(event: DomainEvent): DomainEvent {
  if (event.type !== 'EventAccepted') return event;
  const { eventId, eventType, eventTime, userId, campaignId, impressionId, source } = event.event;
  return {
    type: 'EventAccepted',
    ...(event.userAliases ? { userAliases: event.userAliases } : {}),
    event: {
      eventId,
      eventType,
      eventTime,
      userId,
      campaignId,
      ...(impressionId !== undefined ? { impressionId } : {}),
      source,
    },
  };
}
