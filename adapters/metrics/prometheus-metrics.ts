import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ATTRIBUTION_MODELS,
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

/**
 * prom-client metrics under the adx_ prefix. Names are the contract with the alert rules in
 * ops/prometheus/rules and the dashboard in ops/grafana: change them there too (the monitoring
 * tests check that both name only metrics exposed here). Every label value known in advance is
 * exposed at 0 from the start, so rate() and increase() see the first event of each series.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly received: Counter<'source'>;
  private readonly accepted: Counter<'source'>;
  private readonly rejected: Counter<'source' | 'reason'>;
  private readonly duplicates: Counter<'source'>;
  private readonly attributions: Counter<'model'>;
  private readonly consumed: Counter<'topic' | 'partition'>;
  private readonly batchSeconds: Histogram<'stage'>;
  private readonly freshness: Histogram<'source' | 'origin'>;
  private readonly consumerLag: Gauge<'topic' | 'partition'>;
  private readonly rows: Counter<'table'>;
  private readonly staged: Counter;
  private readonly deadLetters: Counter<'source_topic' | 'reason'>;
  private readonly errors: Counter<'component'>;
  private readonly lastLoad: Gauge;
  private readonly lastRefresh: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.received = new Counter({
      name: 'adx_events_received_total',
      help: 'Source records received, by source contract',
      labelNames: ['source'],
      registers,
    });
    this.accepted = new Counter({
      name: 'adx_events_accepted_total',
      help: 'Records accepted as ad events',
      labelNames: ['source'],
      registers,
    });
    this.rejected = new Counter({
      name: 'adx_events_rejected_total',
      help: 'Records rejected to the dead-letter topic, by rejection reason',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'adx_events_duplicate_total',
      help: 'Duplicates dropped',
      labelNames: ['source'],
      registers,
    });
    this.attributions = new Counter({
      name: 'adx_attributions_total',
      help: 'Clicks and conversions attributed, by attribution model',
      labelNames: ['model'],
      registers,
    });
    this.consumed = new Counter({
      name: 'adx_consumer_records_total',
      help: 'Records of each source partition processed and committed',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'adx_batch_stage_duration_seconds',
      help: 'Time per batch in each pipeline stage (refresh_aggregates: per refresh)',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.freshness = new Histogram({
      name: 'adx_freshness_seconds',
      help: 'Seconds from an event time or Kafka append time to the commit of its warehouse load',
      labelNames: ['source', 'origin'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'adx_consumer_lag_records',
      help: 'Records not yet read from each source partition',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.rows = new Counter({
      name: 'adx_rows_loaded_total',
      help: 'Warehouse rows loaded',
      labelNames: ['table'],
      registers,
    });
    this.staged = new Counter({
      name: 'adx_bytes_staged_total',
      help: 'Bytes written to staging',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'adx_dead_letters_total',
      help: 'Records written to the dead-letter topic, by the topic they came from and reason',
      labelNames: ['source_topic', 'reason'],
      registers,
    });
    this.errors = new Counter({
      name: 'adx_errors_total',
      help: 'Errors by component',
      labelNames: ['component'],
      registers,
    });
    this.lastLoad = new Gauge({
      name: 'adx_last_successful_load_timestamp_seconds',
      help: 'When a batch last loaded (0: none yet)',
      registers,
    });
    this.lastRefresh = new Gauge({
      name: 'adx_aggregates_refreshed_timestamp_seconds',
      help: 'When the aggregates were last refreshed, by any member (0: not seen yet)',
      registers,
    });
    for (const source of SOURCE_KINDS) {
      for (const counter of [this.received, this.accepted, this.duplicates])
        counter.inc({ source }, 0);
      for (const reason of REJECTION_REASONS) this.rejected.inc({ source, reason }, 0);
      for (const origin of FRESHNESS_ORIGINS) this.freshness.zero({ source, origin });
    }
    for (const model of ATTRIBUTION_MODELS) this.attributions.inc({ model }, 0);
    for (const component of ERROR_COMPONENTS) this.errors.inc({ component }, 0);
    for (const stage of PIPELINE_STAGES) this.batchSeconds.zero({ stage });

    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'adx_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  recordBatch(source: SourceKind, counts: BatchCounts): void {
    this.received.inc({ source }, counts.received);
    this.accepted.inc({ source }, counts.accepted);
    this.duplicates.inc({ source }, counts.duplicates);
    for (const [reason, n] of Object.entries(counts.rejectedByReason))
      if (n > 0) this.rejected.inc({ source, reason }, n);
    for (const [model, n] of Object.entries(counts.attributedByModel))
      if (n > 0) this.attributions.inc({ model }, n);
  }
  recordsConsumed(topic: string, partition: number, records: number): void {
    this.consumed.inc({ topic, partition: String(partition) }, records);
  }
  observeStage(stage: PipelineStage, seconds: number): void {
    this.batchSeconds.observe({ stage }, seconds);
  }
  observeFreshness(source: SourceKind, origin: FreshnessOrigin, seconds: readonly number[]): void {
    const child = this.freshness.labels({ source, origin });
    for (const s of seconds) child.observe(s);
  }
  setConsumerLag(topic: string, partition: number, records: number): void {
    this.consumerLag.set({ topic, partition: String(partition) }, records);
  }
  rowsLoaded(table: string, rows: number): void {
    this.rows.inc({ table }, rows);
  }
  bytesStaged(bytes: number): void {
    this.staged.inc(bytes);
  }
  deadLettered(sourceTopic: string, reason: string, records: number): void {
    this.deadLetters.inc({ source_topic: sourceTopic, reason }, records);
  }
  error(component: ErrorComponent): void {
    this.errors.inc({ component });
  }
  loadSucceeded(at: number): void {
    this.lastLoad.set(at / 1000);
  }
  aggregatesRefreshed(at: number): void {
    this.lastRefresh.set(at / 1000);
  }
  expose(): Promise<string> {
    return this.registry.metrics();
  }
}
