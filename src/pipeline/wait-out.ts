import type { OutageOf } from '../../ports';
import type { DependencyOutages } from './dependency-outages';

export interface WaitOutOptions {
  readonly outageOf: OutageOf;
  readonly outages?: DependencyOutages;
  /** true once the service is asked to stop: an outage then ends the wait with its error */
  readonly stopping: () => boolean;
  /** any other failure, before its next attempt */
  readonly onRetry?: (attempt: number, error: unknown) => void;
  /** pauses between attempts during an outage: jittered, doubling from the first to the last */
  readonly outageBackoffMs?: { readonly first: number; readonly last: number };
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** what is not an outage (a defect met by this unit, a refusal) gets these pauses, then fails */
const OTHER_RETRY_DELAYS_MS = [100, 500, 2000, 5000];

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs an idempotent unit of work until it succeeds. While an error says a dependency is down the
 * unit is tried again for as long as the outage lasts (backing off with jitter, so members do not
 * hammer a recovering server in step); other errors are retried a few times, then thrown.
 */
export async function waitOut<T>(effect: () => Promise<T>, options: WaitOutOptions): Promise<T> {
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  const { first, last } = options.outageBackoffMs ?? { first: 200, last: 10_000 };
  let others = 0;
  let outageDelay = first;
  for (;;) {
    try {
      const result = await effect();
      options.outages?.recovered();
      return result;
    } catch (error) {
      const dependency = options.outageOf(error);
      if (dependency !== undefined) {
        options.outages?.failed(dependency, error);
        if (options.stopping()) throw error;
        // "equal jitter": at least half the delay, so a pause never collapses to nothing
        await sleep(outageDelay / 2 + (random() * outageDelay) / 2);
        outageDelay = Math.min(last, outageDelay * 2);
        continue;
      }
      const delay = OTHER_RETRY_DELAYS_MS[others++];
      if (delay === undefined) throw error;
      options.onRetry?.(others, error);
      await sleep(delay);
    }
  }
}
