import type { AdEvent } from '../../domain';
import type { Metrics, SourceBatch } from '../../ports';

/**
 * Freshness of a committed load, per accepted event: seconds since its event time (what analysts
 * feel, producers' delays included) and since Kafka appended its record (the pipeline's own part).
 * A record without a broker timestamp (Kafka's -1) is left out of the second.
 */
export function observeLoadFreshness(
  metrics: Metrics,
  batch: Pick<SourceBatch, 'kind' | 'records'>,
  accepted: readonly AdEvent[],
  committedAt: number,
): void {
  if (accepted.length === 0) return;
  const since = (t: number): number => Math.max(0, (committedAt - t) / 1000);
  metrics.observeFreshness(
    batch.kind,
    'event_time',
    accepted.map((e) => since(e.eventTime)),
  );
  const appendedAt = new Map(batch.records.map((r) => [r.offset, Number(r.timestamp)]));
  const fromAppend: number[] = [];
  for (const e of accepted) {
    const t = appendedAt.get(e.source.offset);
    if (t !== undefined && Number.isFinite(t) && t > 0) fromAppend.push(since(t));
  }
  metrics.observeFreshness(batch.kind, 'kafka_append', fromAppend);
}
