import type { BatchCounts, SourceKind } from '../../domain';
import { addCounts, emptyCounts } from '../../domain';
import type { Metrics, PipelineStage } from '../../ports';

/** Totals kept in plain fields, for tests and the embedded report. */
export class MemoryMetrics implements Metrics {
  readonly contentType = 'text/plain; version=0.0.4';
  readonly totals = emptyCounts();
  readonly bySource = new Map<SourceKind, BatchCounts>();
  readonly stageSeconds = new Map<PipelineStage, number>();
  readonly errors = new Map<string, number>();
  readonly loadedRows = new Map<string, number>();
  stagedBytes = 0;
  lastLoad = 0;

  recordBatch(source: SourceKind, counts: BatchCounts): void {
    addCounts(this.totals, counts);
    addCounts(
      this.bySource.get(source) ?? this.bySource.set(source, emptyCounts()).get(source)!,
      counts,
    );
  }
  observeStage(stage: PipelineStage, seconds: number): void {
    this.stageSeconds.set(stage, (this.stageSeconds.get(stage) ?? 0) + seconds);
  }
  observeEventTimeLag(): void {}
  setConsumerLag(): void {}
  rowsLoaded(table: string, rows: number): void {
    this.loadedRows.set(table, (this.loadedRows.get(table) ?? 0) + rows);
  }
  bytesStaged(bytes: number): void {
    this.stagedBytes += bytes;
  }
  error(component: string): void {
    this.errors.set(component, (this.errors.get(component) ?? 0) + 1);
  }
  loadSucceeded(at: number): void {
    this.lastLoad = at;
  }
  async expose(): Promise<string> {
    const t = this.totals;
    return `adx_events_received_total ${t.received}\nadx_events_accepted_total ${t.accepted}\n`;
  }
}
