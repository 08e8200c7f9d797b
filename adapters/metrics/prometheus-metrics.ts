import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchCounts, SourceKind } from '../../domain';
import type { Metrics, PipelineStage } from '../../ports';

/**
 * prom-client metrics under the adx_ prefix. Names are the contract with ops/prometheus rules and
 * the Grafana dashboard: change them there too.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly received: Counter<'source'>;
  private readonly accepted: Counter<'source'>;
  private readonly rejected: Counter<'source' | 'reason'>;
  private readonly duplicates: Counter<'source'>;
  private readonly attributions: Counter<'model'>;
  private readonly batchSeconds: Histogram<'stage'>;
  private readonly eventTimeLag: Histogram;
  private readonly consumerLag: Gauge<'topic_partition'>;
  private readonly rows: Counter<'table'>;
  private readonly staged: Counter;
  private readonly errors: Counter<'component'>;
  private readonly lastLoad: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.received = new Counter({
      name: 'adx_events_received_total',
      help: 'Source records received',
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
      help: 'Records rejected to the dead-letter topic',
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
      help: 'Clicks and conversions attributed',
      labelNames: ['model'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'adx_batch_stage_duration_seconds',
      help: 'Time per batch in each pipeline stage',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.eventTimeLag = new Histogram({
      name: 'adx_event_time_lag_seconds',
      help: 'Event time to load time',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'adx_consumer_lag_records',
      help: 'Records behind the end of each source partition',
      labelNames: ['topic_partition'],
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
    this.errors = new Counter({
      name: 'adx_errors_total',
      help: 'Errors by component',
      labelNames: ['component'],
      registers,
    });
    this.lastLoad = new Gauge({
      name: 'adx_last_successful_load_timestamp_seconds',
      help: 'When a batch last loaded',
      registers,
    });
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'adx_process_' });
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
  observeStage(stage: PipelineStage, seconds: number): void {
    this.batchSeconds.observe({ stage }, seconds);
  }
  observeEventTimeLag(seconds: number): void {
    this.eventTimeLag.observe(seconds);
  }
  setConsumerLag(topicPartition: string, records: number): void {
    this.consumerLag.set({ topic_partition: topicPartition }, records);
  }
  rowsLoaded(table: string, rows: number): void {
    this.rows.inc({ table }, rows);
  }
  bytesStaged(bytes: number): void {
    this.staged.inc(bytes);
  }
  error(component: string): void {
    this.errors.inc({ component });
  }
  loadSucceeded(at: number): void {
    this.lastLoad.set(at / 1000);
  }
  expose(): Promise<string> {
    return this.registry.metrics();
  }
}
