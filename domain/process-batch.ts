import type { AdEvent, EventType } from './ad-event';
import type { Attribution } from './attribution-types';
import { countEvent, emptyCounts, type BatchCounts } from './batch-counts';
import { changesState, type DomainEvent } from './domain-events';
import { decidePartition, evolvePartition, hasDue, type PartitionCommand } from './partition-state';
import { partitionState, type PipelineState } from './pipeline-state';
import type { RejectedRecord } from './rejection';
import type { SourceCoordinates, SourceRecord } from './source-record';
import { validateRecord, vetAcceptedEvent, type StageEncoding } from './validate-record';

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
  /**
   * The same user's pseudonyms under older keys (after a key rotation): clicks and conversions
   * are credited to touches recorded under any of them
   */
  readonly previousPseudonyms?: (userId: string) => readonly string[];
  /**
   * end of a bounded input: release every waiting click and conversion (true: in every group; or
   * in these groups only)
   */
  readonly endOfInput?: boolean | readonly number[];
  /**
   * inputs that are caught up and have been quiet for the idle timeout: they stop holding their
   * group's watermark back (decided after the batch's records)
   */
  readonly idleInputs?: readonly IdleInput[];
  /**
   * The per-event encoders of the stages after the decision (staging, ad_events, warehouse rows):
   * an event one of them throws on is rejected as processing_error before it changes state, so
   * those stages never meet a record they cannot write. Pure functions of the event, so a replay
   * decides the same way.
   */
  readonly stageEncodings?: readonly StageEncoding[];
}

export interface IdleInput {
  readonly topic: string;
  readonly partition: number;
}

const RELEASE_DUE: PartitionCommand = { type: 'ReleaseDue' };

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
  const encodings = options.stageEncodings ?? [];

  const apply = (event: DomainEvent, partition: number): void => {
    // rejections and duplicates change no state (and must not create a group of their own)
    if (changesState(event)) evolvePartition(partitionState(state, partition), event, state.rules);
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
      case 'ClickAttributed':
      case 'ConversionAttributed':
        out.attributions.push(event.attribution);
        return;
      case 'InputIdle':
        return;
    }
  };
  const decideAndApply = (partition: number, command: PartitionCommand): void => {
    for (const e of decidePartition(command, partitionState(state, partition), state.rules))
      apply(e, partition);
  };

  for (const record of records) {
    counts.received++;
    const validated = validateRecord(
      record,
      now,
      state.rules,
      pseudonymize,
      options.previousPseudonyms,
    );
    if (!validated.ok) {
      apply(
        { type: 'RecordRejected', source: record.source, rejection: validated.rejection },
        record.source.partition,
      );
      continue;
    }
    const partition = validated.event.source.partition;
    const slice = partitionState(state, partition);
    const [decided] = decidePartition(
      {
        type: 'ObserveEvent',
        event: validated.event,
        ...(validated.userAliases ? { userAliases: validated.userAliases } : {}),
      },
      slice,
      state.rules,
    );
    if (!decided) continue;
    // deciding changed nothing yet: a refused event is rejected as if validation had refused it
    const unwritable =
      decided.type === 'EventAccepted' && encodings.length > 0
        ? vetAcceptedEvent(decided.event, encodings)
        : undefined;
    if (unwritable) {
      apply({ type: 'RecordRejected', source: record.source, rejection: unwritable }, partition);
      continue;
    }
    apply(decided, partition);
    // released as soon as the watermark allows, so where a batch ends never changes a result
    if (decided.type === 'EventAccepted' && hasDue(slice)) decideAndApply(partition, RELEASE_DUE);
  }
  for (const idle of options.idleInputs ?? []) {
    decideAndApply(idle.partition, { type: 'MarkIdle', topic: idle.topic });
    decideAndApply(idle.partition, RELEASE_DUE);
  }
  if (options.endOfInput) {
    const ended = options.endOfInput === true ? [...state.partitions.keys()] : options.endOfInput;
    for (const partition of ended) decideAndApply(partition, { type: 'ReleaseAll' });
  }
  return { state, ...out, counts };
}
