import type { PipelineState } from './pipeline-state';

/** Accepted clicks and conversions whose attribution is not decided yet. */
export interface PendingAttributions {
  readonly clicks: number;
  readonly conversions: number;
}

/**
 * How many clicks and conversions are still waiting, over every partition. Each waits until its
 * partition's event-time watermark (max event time seen − allowed lateness) passes its event time,
 * or for the end of a bounded input: only then is every touch that can precede it known.
 * Reports and the CLI read pending work through this function alone, whatever the state holds.
 */
export function pendingAttributions(state: PipelineState): PendingAttributions {
  let clicks = 0;
  let conversions = 0;
  for (const slice of state.partitions.values()) {
    for (const item of slice.attribution.pending) {
      if (item.eventType === 'click') clicks++;
      else conversions++;
    }
  }
  return { clicks, conversions };
}
