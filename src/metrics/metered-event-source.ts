import type {
  AssignmentListener,
  BatchHandler,
  EventSource,
  Metrics,
  TopicPartitionOffset,
} from '../../ports';

/** `topic-partition` as EventSource.lag() keys it; topics may contain '-', partitions never do. */
export function splitTopicPartition(key: string): { topic: string; partition: number } | undefined {
  const cut = key.lastIndexOf('-');
  const partition = Number(key.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(partition) || partition < 0) return undefined;
  return { topic: key.slice(0, cut), partition };
}

/**
 * Any EventSource, measured: records consumed per partition once their batch is handled (and so
 * committed), and the consumer lag per partition every `lagIntervalMs` while run() runs. Lives in
 * the composition root, so every profile reports the same series.
 */
export class MeteredEventSource implements EventSource {
  constructor(
    private readonly source: EventSource,
    private readonly metrics: Metrics,
    private readonly lagIntervalMs: number,
  ) {}

  async run(handler: BatchHandler, assignment: AssignmentListener): Promise<void> {
    let reading: Promise<void> | undefined;
    const report = (): void => {
      // one reading at a time: a slow broker must not pile up admin connections
      reading ??= this.reportLag().finally(() => (reading = undefined));
    };
    const timer = setInterval(report, this.lagIntervalMs);
    timer.unref();
    report();
    try {
      await this.source.run(async (batch) => {
        const result = await handler(batch);
        if (result !== 'lost')
          this.metrics.recordsConsumed(batch.topic, batch.partition, batch.records.length);
        return result;
      }, assignment);
    } finally {
      clearInterval(timer);
      await reading;
    }
  }

  commit(positions: readonly TopicPartitionOffset[]): Promise<void> {
    return this.source.commit(positions);
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  lag(): Promise<ReadonlyMap<string, number>> {
    return this.source.lag();
  }

  private async reportLag(): Promise<void> {
    try {
      for (const [key, records] of await this.source.lag()) {
        const tp = splitTopicPartition(key);
        if (tp) this.metrics.setConsumerLag(tp.topic, tp.partition, Math.max(0, records));
      }
    } catch {
      this.metrics.error('consumer_lag');
    }
  }
}
