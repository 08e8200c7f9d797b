import { ExponentialBackoff, handleWhen, IterableBackoff, retry } from 'cockatiel';
import type { OutageOf } from '../../ports';
import type { DependencyOutages } from './dependency-outages';

export interface OutagePolicyOptions {
  readonly outageOf: OutageOf;
  readonly outages?: DependencyOutages;
  /** any other failure, before its next attempt */
  readonly onRetry?: (attempt: number, error: unknown) => void;
  /** pauses during an outage: decorrelated jitter from `first`, never longer than `last` */
  readonly outageBackoffMs?: { readonly first: number; readonly last: number };
  /** every pause, as the policy chose it (for tests and logs) */
  readonly onPause?: (ms: number, outage: boolean) => void;
}

/** what is not an outage (a defect met by this unit, a refusal) gets these pauses, then fails */
const OTHER_RETRY_DELAYS_MS = [100, 500, 2000, 5000];

/** Runs one idempotent unit of work until it succeeds, or fails with what is not an outage. */
export interface OutagePolicy {
  /** `stop` aborted: an outage no longer holds the unit; its last error is thrown */
  run<T>(unit: () => Promise<T>, stop?: AbortSignal): Promise<T>;
}

/**
 * While an error says a dependency is down the unit is tried again for as long as the outage
 * lasts (backing off with jitter, so members do not hammer a recovering server in step); other
 * errors are retried a few times, then thrown. Both are cockatiel retry policies, like every
 * dependency's own (adapters/resilience/dependency-policy.ts): the outer one waits outages out,
 * the inner one gives other errors their four tries.
 */
export function outagePolicy(options: OutagePolicyOptions): OutagePolicy {
  const { first, last } = options.outageBackoffMs ?? { first: 200, last: 10_000 };
  const outage = retry(
    handleWhen((error) => options.outageOf(error) !== undefined),
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff: new ExponentialBackoff({ initialDelay: first, maxDelay: last }),
    },
  );
  const other = retry(
    handleWhen((error) => options.outageOf(error) === undefined),
    {
      maxAttempts: OTHER_RETRY_DELAYS_MS.length,
      backoff: new IterableBackoff(OTHER_RETRY_DELAYS_MS),
    },
  );
  outage.onRetry((event) => {
    if ('error' in event) {
      const dependency = options.outageOf(event.error);
      if (dependency !== undefined) options.outages?.failed(dependency, event.error);
    }
    options.onPause?.(event.delay, true);
  });
  outage.onGiveUp((event) => {
    // asked to stop mid-outage: the outage is still on, so it is recorded as such
    if ('error' in event) {
      const dependency = options.outageOf(event.error);
      if (dependency !== undefined) options.outages?.failed(dependency, event.error);
    }
  });
  other.onRetry((event) => {
    if ('error' in event) options.onRetry?.(event.attempt, event.error);
    options.onPause?.(event.delay, false);
  });
  outage.onSuccess(() => options.outages?.recovered());
  return {
    // only the outage wait listens to `stop`: a unit being drained keeps its four tries
    run: (unit, stop) => outage.execute(() => other.execute(() => unit()), stop),
  };
}
