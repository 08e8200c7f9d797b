import { ATTRIBUTION_MODELS, type AttributionModel } from './attribution-types';
import type { DomainEvent } from './domain-events';
import { emptyReasonCounts, type RejectionReason } from './rejection';

/** Count conservation: received = accepted + rejected + duplicates, for every batch. */
export interface BatchCounts {
  received: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  rejectedByReason: Record<RejectionReason, number>;
  attributedByModel: Record<AttributionModel, number>;
}

export function emptyCounts(): BatchCounts {
  return {
    received: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    rejectedByReason: emptyReasonCounts(),
    attributedByModel: Object.fromEntries(ATTRIBUTION_MODELS.map((m) => [m, 0])) as Record<
      AttributionModel,
      number
    >,
  };
}

export function isConserved(
  c: Pick<BatchCounts, 'received' | 'accepted' | 'rejected' | 'duplicates'>,
): boolean {
  return c.received === c.accepted + c.rejected + c.duplicates;
}

/** Counts are derived from the domain events, so the lineage log and the events cannot disagree. */
export function countEvent(counts: BatchCounts, event: DomainEvent): void {
  switch (event.type) {
    case 'EventAccepted':
      counts.accepted++;
      return;
    case 'DuplicateDropped':
      counts.duplicates++;
      return;
    case 'RecordRejected':
      counts.rejected++;
      counts.rejectedByReason[event.rejection.reason]++;
      return;
    case 'ClickAttributed':
    case 'ConversionAttributed':
      counts.attributedByModel[event.attribution.model]++;
      return;
  }
}

export function addCounts(into: BatchCounts, from: BatchCounts): BatchCounts {
  into.received += from.received;
  into.accepted += from.accepted;
  into.rejected += from.rejected;
  into.duplicates += from.duplicates;
  for (const [r, n] of Object.entries(from.rejectedByReason))
    into.rejectedByReason[r as RejectionReason] += n;
  for (const [m, n] of Object.entries(from.attributedByModel))
    into.attributedByModel[m as AttributionModel] += n;
  return into;
}
