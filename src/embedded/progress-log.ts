import type { BatchCounts } from '../../domain';
import type { Logger } from '../../ports';

/** Logs throughput and outcome totals every interval: what an operator watches during a run. */
export function startProgressLog(
  totals: BatchCounts,
  logger: Logger,
  intervalMs: number,
): () => void {
  let last = { at: Date.now(), received: 0 };
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((totals.received - last.received) * 1000) / Math.max(1, now - last.at);
    last = { at: now, received: totals.received };
    const rejectedByReason = Object.fromEntries(
      Object.entries(totals.rejectedByReason).filter(([, n]) => n > 0),
    );
    const attributed =
      Object.values(totals.attributedByModel).reduce((a, b) => a + b, 0) -
      totals.attributedByModel.unattributed;
    logger.info('progress', {
      eventsPerSec: Math.round(rate),
      received: totals.received,
      accepted: totals.accepted,
      rejected: totals.rejected,
      rejectedByReason,
      duplicates: totals.duplicates,
      attributed,
      unattributed: totals.attributedByModel.unattributed,
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
