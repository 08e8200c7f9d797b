import type { BatchCounts, SourceKind } from '../domain';

/**
 * Timed parts of the pipeline. The first five run once per batch; `load` is the warehouse load
 * with the state commit (one transaction), `refresh_aggregates` the aggregate refresh
 * that runs after loads, on its own timer.
 */
export const PIPELINE_STAGES = [
  'decode',
  'process',
  'stage',
  'publish',
  'load',
  'refresh_aggregates',
] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Where an error happened. Every one is exposed at 0 from start, so a rate() sees the first. */
export const ERROR_COMPONENTS = [
  /** the service stopped on an error */
  'pipeline',
  /** a batch's side effects (stage, publish, lineage, load) failed and are retried */
  'side_effects',
  /** the warehouse load + state commit of a batch failed */
  'warehouse_load',
  /** writing ad_events or the dead-letter topic failed */
  'publisher',
  /** the aggregates could not be refreshed */
  'refresh_aggregates',
  /** the advisory offset commit to the broker failed */
  'broker_commit',
  /** the consumer lag could not be read */
  'consumer_lag',
  /** an OpenLineage run event was not exported */
  'openlineage',
  /** a commit was refused: another member had taken the group over (its batch left no trace) */
  'ownership',
  /** a unit of work found a dependency down and waits the outage out */
  'dependency_outage',
] as const;
export type ErrorComponent = (typeof ERROR_COMPONENTS)[number];

/** Freshness is measured from the event's own time, or from when Kafka appended its record. */
export const FRESHNESS_ORIGINS = ['event_time', 'kafka_append'] as const;
export type FreshnessOrigin = (typeof FRESHNESS_ORIGINS)[number];

/** What the pipeline reports; the adapter decides how it is exposed (Prometheus, memory). */
export interface Metrics {
  /** a batch's counts: received, accepted, rejected by reason, duplicates, attributions by model */
  recordBatch(source: SourceKind, counts: BatchCounts): void;
  /** records of one source partition that were processed and committed */
  recordsConsumed(topic: string, partition: number, records: number): void;
  observeStage(stage: PipelineStage, seconds: number): void;
  /** seconds from an event's origin to the commit of its load, one observation per event */
  observeFreshness(source: SourceKind, origin: FreshnessOrigin, seconds: readonly number[]): void;
  /** records not yet read from a source partition */
  setConsumerLag(topic: string, partition: number, records: number): void;
  rowsLoaded(table: string, rows: number): void;
  bytesStaged(bytes: number): void;
  /** records written to the dead-letter topic, by the topic they came from and why */
  deadLettered(sourceTopic: string, reason: string, records: number): void;
  error(component: ErrorComponent): void;
  loadSucceeded(at: number): void;
  /** when the aggregates were last refreshed, by this member or another one */
  aggregatesRefreshed(at: number): void;
  /** Prometheus text exposition */
  expose(): Promise<string>;
  readonly contentType: string;
}
