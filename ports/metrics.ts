import type { BatchCounts, SourceKind } from '../domain';

export type PipelineStage = 'decode' | 'process' | 'stage' | 'load' | 'publish' | 'commit';

/** What the pipeline reports; the adapter decides how it is exposed (Prometheus, memory). */
export interface Metrics {
  recordBatch(source: SourceKind, counts: BatchCounts): void;
  observeStage(stage: PipelineStage, seconds: number): void;
  observeEventTimeLag(seconds: number): void;
  setConsumerLag(topicPartition: string, records: number): void;
  rowsLoaded(table: string, rows: number): void;
  bytesStaged(bytes: number): void;
  error(component: string): void;
  loadSucceeded(at: number): void;
  /** Prometheus text exposition */
  expose(): Promise<string>;
  readonly contentType: string;
}
