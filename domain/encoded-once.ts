import type { AdEvent } from './ad-event';

/**
 * A later stage's encoder of an accepted event, run once per event: the decision tries every
 * stage's encoder on the event (StageEncoding) and the stage then writes that very result rather
 * than encoding the event a second time, which had cost about 12 µs an accepted event. Results are
 * kept in a WeakMap, so they leave memory with their event. Sound because the encoders are pure
 * and an accepted event is never changed after the decision.
 */
export function encodedOnce<T extends object | string>(
  encode: (event: AdEvent) => T,
): (event: AdEvent) => T {
  const results = new WeakMap<AdEvent, T>();
  return (event) => {
    let result = results.get(event);
    if (result === undefined) {
      result = encode(event);
      results.set(event, result);
    }
    return result;
  };
}
