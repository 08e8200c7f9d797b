import type { AdEvent } from './ad-event';

/** events whose results one encoder keeps, per generation: a few batches in flight */
const GENERATION = 8192;

/**
 * A later stage's encoder of an accepted event, run once per event: the decision tries every
 * stage's encoder on the event (StageEncoding) and the stage then writes that very result rather
 * than encoding the event a second time, which had cost about 12 µs an accepted event. Sound
 * because the encoders are pure and an accepted event is never changed after the decision.
 *
 * Results are kept for the last one to two generations of events in plain Maps, the older one
 * dropped whole: with a WeakMap the service's profile of 300k records spent 40% more in GC (its
 * ephemerons, 5.3 against 3.8 s) and 25% more in these lookups. An event older than that (a
 * retried batch long after) is simply encoded again.
 */
export function encodedOnce<T extends object | string>(
  encode: (event: AdEvent) => T,
): (event: AdEvent) => T {
  let current = new Map<AdEvent, T>();
  let previous = new Map<AdEvent, T>();
  return (event) => {
    let result = current.get(event) ?? previous.get(event);
    if (result === undefined) {
      result = encode(event);
      if (current.size >= GENERATION) {
        previous = current;
        current = new Map();
      }
      current.set(event, result);
    }
    return result;
  };
}
