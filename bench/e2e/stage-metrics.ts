/**
 * Per-stage time from the service's own Prometheus histogram adx_batch_stage_duration_seconds
 * (what the pipeline reports through Metrics.observeStage), summed over the members' /metrics,
 * and the service's freshness histogram (Kafka append time → committed load) as a cross-check.
 */
export interface StageTotals {
  /** stage → seconds spent in it over the run, and how many observations (batches) */
  readonly stages: Record<string, { seconds: number; count: number }>;
  /** mean of adx_freshness_seconds{origin="kafka_append"} over every source */
  readonly appendFreshnessMeanSeconds?: number;
}

function samples(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

const label = (labels: string, key: string) =>
  new RegExp(`${key}="([^"]*)"`).exec(labels)?.[1] ?? '';

export function stageTotals(metricsTexts: readonly string[]): StageTotals {
  const stages: Record<string, { seconds: number; count: number }> = {};
  let freshSum = 0;
  let freshCount = 0;
  for (const text of metricsTexts) {
    for (const s of samples(text, 'adx_batch_stage_duration_seconds_sum')) {
      const stage = (stages[label(s.labels, 'stage')] ??= { seconds: 0, count: 0 });
      stage.seconds += s.value;
    }
    for (const s of samples(text, 'adx_batch_stage_duration_seconds_count')) {
      const stage = (stages[label(s.labels, 'stage')] ??= { seconds: 0, count: 0 });
      stage.count += s.value;
    }
    for (const s of samples(text, 'adx_freshness_seconds_sum'))
      if (label(s.labels, 'origin') === 'kafka_append') freshSum += s.value;
    for (const s of samples(text, 'adx_freshness_seconds_count'))
      if (label(s.labels, 'origin') === 'kafka_append') freshCount += s.value;
  }
  for (const stage of Object.values(stages)) stage.seconds = Number(stage.seconds.toFixed(3));
  return {
    stages,
    ...(freshCount > 0
      ? { appendFreshnessMeanSeconds: Number((freshSum / freshCount).toFixed(2)) }
      : {}),
  };
}
