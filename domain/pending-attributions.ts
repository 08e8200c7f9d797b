import type { PipelineState } from './pipeline-state';

/** Clicks and conversions accepted but not yet attributed: they wait for their group's watermark. */
export interface PendingAttributions {
  readonly clicks: number;
  readonly conversions: number;
}

export function pendingAttributions(state: PipelineState): PendingAttributions {
  let clicks = 0;
  let conversions = 0;
  for (const group of state.partitions.values()) {
    for (const item of group.attribution.pending) {
      if (item.eventType === 'click') clicks++;
      else conversions++;
    }
  }
  return { clicks, conversions };
}
