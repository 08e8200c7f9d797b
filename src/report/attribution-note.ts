import {
  pendingAttributions,
  type BatchCounts,
  type PendingAttributions,
  type PipelineState,
} from '../../domain';
import type { CampaignMetrics } from '../../ports';
import { formatDuration } from '../config/duration';
import { formatCampaignReport } from './campaign-report';

/** What a run decided about clicks and conversions, and what is still waiting. */
export interface AttributionSummary {
  /** credited to an impression or a click, by any model */
  readonly attributed: number;
  /** decided: no touch in any window */
  readonly unattributed: number;
  /** not decided yet: waiting for the event-time watermark */
  readonly pending: PendingAttributions;
}

/** A run's totals, and what its state (undefined: the service never started) still holds. */
export function attributionSummary(
  totals: BatchCounts,
  state: PipelineState | undefined,
): AttributionSummary {
  const pending = state ? pendingAttributions(state) : { clicks: 0, conversions: 0 };
  const decided = Object.values(totals.attributedByModel).reduce((a, b) => a + b, 0);
  const unattributed = totals.attributedByModel.unattributed;
  return { attributed: decided - unattributed, unattributed, pending };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The lines printed under the campaign table. Clicks and conversions are counted in the table as
 * soon as they load; their attribution waits for the watermark, so a short or interrupted run can
 * show clicks with no conversions credited yet: this says how many wait, and for what.
 */
export function formatAttributionNote(s: AttributionSummary, allowedLatenessMs: number): string {
  const decided = `attributions: ${s.attributed} credited, ${s.unattributed} unattributed`;
  const { clicks, conversions } = s.pending;
  if (clicks + conversions === 0) return `${decided}; none pending`;
  return [
    `${decided}; ${plural(clicks, 'click', 'clicks')} and ${plural(conversions, 'conversion', 'conversions')} pending:`,
    `  each waits until its partition's event-time watermark (the earliest over the source topics of`,
    `  their latest event time minus ADX_ALLOWED_LATENESS=${formatDuration(allowedLatenessMs)}) passes its own event time,`,
    `  and is attributed then; or once every topic has been quiet for ADX_IDLE_TIMEOUT, or a bounded`,
    `  input (--events) ends`,
  ].join('\n');
}

/** What `adx serve` prints when it ends: the campaign table, then the attribution note. */
export function formatRunReport(
  campaigns: readonly CampaignMetrics[],
  attributions: AttributionSummary,
  allowedLatenessMs: number,
): string {
  return `${formatCampaignReport(campaigns)}\n\n${formatAttributionNote(attributions, allowedLatenessMs)}`;
}
