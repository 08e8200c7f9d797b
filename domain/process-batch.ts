import type { AdEvent, EventType } from './ad-event';
import { attributionFor } from './attribution';
import type { Attribution } from './attribution-types';
import { countEvent, emptyCounts, type BatchCounts } from './batch-counts';
import { dedupe } from './dedupe';
import type { DomainEvent } from './domain-events';
import { evolvePipeline, partitionState, type PipelineState } from './pipeline-state';
import type { RejectedRecord } from './rejection';
import type { SourceCoordinates, SourceRecord } from './source-record';
import { validateRecord } from './validate-record';

export interface DuplicateRecord {
  readonly eventType: EventType;
  readonly eventId: string;
  readonly source: SourceCoordinates;
}

export interface BatchOutcome {
  readonly state: PipelineState;
  readonly accepted: AdEvent[];
  readonly attributions: Attribution[];
  readonly rejections: RejectedRecord[];
  readonly duplicates: DuplicateRecord[];
  /** everything decided, in order: appending these to the changelog is enough to rebuild state */
  readonly events: DomainEvent[];
  readonly counts: BatchCounts;
}

export interface BatchOptions {
  /**
   * Applied to userId before the event touches state, so raw user ids never reach state, topics or
   * tables. Deterministic (HMAC with a secret key) so attribution still joins a user's events.
   */
  readonly pseudonymizeUser?: (userId: string) => string;
  /** end of a bounded input: release every waiting click and conversion */
  readonly endOfInput?: boolean;
}

/**
 * One batch through validation, normalization, dedupe and attribution. Pure: time comes in as
 * `now`, and the result depends only on the arguments. Takes ownership of `state` (see Decider).
 */
export function processBatch(
  state: PipelineState,
  records: readonly SourceRecord[],
  now: number,
  options: BatchOptions = {},
): BatchOutcome {
  const out = {
    accepted: [] as AdEvent[],
    attributions: [] as Attribution[],
    rejections: [] as RejectedRecord[],
    duplicates: [] as DuplicateRecord[],
    events: [] as DomainEvent[],
  };
  const counts = emptyCounts();
  const pseudonymize = options.pseudonymizeUser;

  const apply = (event: DomainEvent): void => {
    state = evolvePipeline(state, event);
    countEvent(counts, event);
    out.events.push(event);
    switch (event.type) {
      case 'EventAccepted':
        out.accepted.push(event.event);
        return;
      case 'DuplicateDropped':
        out.duplicates.push({
          eventType: event.eventType,
          eventId: event.eventId,
          source: event.source,
        });
        return;
      case 'RecordRejected':
        out.rejections.push({ source: event.source, rejection: event.rejection });
        return;
      default:
        out.attributions.push(event.attribution);
    }
  };

  for (const record of records) {
    counts.received++;
    const validated = validateRecord(record, now, state.rules, pseudonymize);
    if (!validated.ok) {
      apply({ type: 'RecordRejected', source: record.source, rejection: validated.rejection });
      continue;
    }
    const event = validated.event;
    const partition = event.source.partition;
    const slice = partitionState(state, partition);
    const decided = dedupe.decide({ type: 'ObserveEvent', event }, slice.dedupe, state.rules);
    for (const e of decided) apply(e);
    if (decided[0]?.type === 'EventAccepted') {
      for (const e of attributionFor(partition).decide(
        { type: 'ReleaseDue' },
        slice.attribution,
        state.rules,
      ))
        apply(e);
    }
  }

  if (options.endOfInput) {
    for (const [partition, slice] of state.partitions) {
      for (const e of attributionFor(partition).decide(
        { type: 'ReleaseAll' },
        slice.attribution,
        state.rules,
      ))
        apply(e);
    }
  }
  return { state, ...out, counts };
}
