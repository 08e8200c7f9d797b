import {
  addCounts,
  ATTRIBUTION_MODELS,
  emptyCounts,
  REJECTION_REASONS,
  SOURCE_KINDS,
  type BatchCounts,
  type SourceKind,
} from '../../domain';
import {
  ERROR_COMPONENTS,
  FRESHNESS_ORIGINS,
  PIPELINE_STAGES,
  type ErrorComponent,
  type FreshnessOrigin,
  type Metrics,
  type PipelineStage,
} from '../../ports';

type Labels = Readonly<Record<string, string>>;

const labelText = (labels: Labels): string => {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
};

/**
 * Totals kept in plain fields, for tests and the embedded report, and the same series as the
 * Prometheus adapter under the same names; histograms as their _count and _sum only (no buckets).
 */
export class MemoryMetrics implements Metrics {
  readonly contentType = 'text/plain; version=0.0.4';
  readonly totals = emptyCounts();
  readonly bySource = new Map<SourceKind, BatchCounts>();
  readonly stageSeconds = new Map<PipelineStage, number>();
  readonly errors = new Map<ErrorComponent, number>();
  readonly loadedRows = new Map<string, number>();
  readonly consumerLag = new Map<string, number>();
  stagedBytes = 0;
  lastLoad = 0;
  lastRefresh = 0;
  /** metric name → rendered labels → value */
  private readonly series = new Map<string, Map<string, number>>();

  constructor() {
    for (const source of SOURCE_KINDS) {
      for (const name of ['received', 'accepted', 'duplicate'])
        this.add(`adx_events_${name}_total`, { source }, 0);
      for (const reason of REJECTION_REASONS)
        this.add('adx_events_rejected_total', { source, reason }, 0);
      for (const origin of FRESHNESS_ORIGINS)
        this.observe('adx_freshness_seconds', { source, origin }, []);
    }
    for (const model of ATTRIBUTION_MODELS) this.add('adx_attributions_total', { model }, 0);
    for (const component of ERROR_COMPONENTS) {
      this.add('adx_errors_total', { component }, 0);
      this.errors.set(component, 0);
    }
    for (const stage of PIPELINE_STAGES)
      this.observe('adx_batch_stage_duration_seconds', { stage }, []);

    this.set('adx_bytes_staged_total', {}, 0);
    this.set('adx_last_successful_load_timestamp_seconds', {}, 0);
    this.set('adx_aggregates_refreshed_timestamp_seconds', {}, 0);
  }

  private add(name: string, labels: Labels, by: number): void {
    const of = this.series.get(name) ?? this.series.set(name, new Map()).get(name)!;
    const key = labelText(labels);
    of.set(key, (of.get(key) ?? 0) + by);
  }
  private set(name: string, labels: Labels, value: number): void {
    const of = this.series.get(name) ?? this.series.set(name, new Map()).get(name)!;
    of.set(labelText(labels), value);
  }
  private observe(name: string, labels: Labels, values: readonly number[]): void {
    this.add(`${name}_count`, labels, values.length);
    this.add(
      `${name}_sum`,
      labels,
      values.reduce((sum, v) => sum + v, 0),
    );
  }

  recordBatch(source: SourceKind, counts: BatchCounts): void {
    addCounts(this.totals, counts);
    addCounts(
      this.bySource.get(source) ?? this.bySource.set(source, emptyCounts()).get(source)!,
      counts,
    );
    this.add('adx_events_received_total', { source }, counts.received);
    this.add('adx_events_accepted_total', { source }, counts.accepted);
    this.add('adx_events_duplicate_total', { source }, counts.duplicates);
    for (const [reason, n] of Object.entries(counts.rejectedByReason))
      this.add('adx_events_rejected_total', { source, reason }, n);
    for (const [model, n] of Object.entries(counts.attributedByModel))
      this.add('adx_attributions_total', { model }, n);
  }
  recordsConsumed(topic: string, partition: number, records: number): void {
    this.add('adx_consumer_records_total', { topic, partition: String(partition) }, records);
  }
  observeStage(stage: PipelineStage, seconds: number): void {
    this.stageSeconds.set(stage, (this.stageSeconds.get(stage) ?? 0) + seconds);
    this.observe('adx_batch_stage_duration_seconds', { stage }, [seconds]);
  }
  observeFreshness(source: SourceKind, origin: FreshnessOrigin, seconds: readonly number[]): void {
    this.observe('adx_freshness_seconds', { source, origin }, seconds);
  }
  setConsumerLag(topic: string, partition: number, records: number): void {
    this.consumerLag.set(`${topic}-${partition}`, records);
    this.set('adx_consumer_lag_records', { topic, partition: String(partition) }, records);
  }
  rowsLoaded(table: string, rows: number): void {
    this.loadedRows.set(table, (this.loadedRows.get(table) ?? 0) + rows);
    this.add('adx_rows_loaded_total', { table }, rows);
  }
  bytesStaged(bytes: number): void {
    this.stagedBytes += bytes;
    this.add('adx_bytes_staged_total', {}, bytes);
  }
  deadLettered(sourceTopic: string, reason: string, records: number): void {
    this.add('adx_dead_letters_total', { source_topic: sourceTopic, reason }, records);
  }
  error(component: ErrorComponent): void {
    this.errors.set(component, (this.errors.get(component) ?? 0) + 1);
    this.add('adx_errors_total', { component }, 1);
  }
  loadSucceeded(at: number): void {
    this.lastLoad = at;
    this.set('adx_last_successful_load_timestamp_seconds', {}, at / 1000);
  }
  aggregatesRefreshed(at: number): void {
    this.lastRefresh = at;
    this.set('adx_aggregates_refreshed_timestamp_seconds', {}, at / 1000);
  }
  async expose(): Promise<string> {
    const lines: string[] = [];
    for (const [name, of] of this.series)
      for (const [labels, value] of of) lines.push(`${name}${labels} ${value}`);
    return `${lines.join('\n')}\n`;
  }
}
