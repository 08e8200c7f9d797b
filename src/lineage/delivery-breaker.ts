import { performance } from 'node:perf_hooks';

export const DEFAULT_BREAKER_FAILURES = 3;
export const DEFAULT_BREAKER_COOLDOWN_MS = 30_000;

/** ADX_OPENLINEAGE_BREAKER_FAILURES and ADX_OPENLINEAGE_BREAKER_COOLDOWN, checked by loadConfig. */
export interface BreakerSettings {
  /** undelivered events in a row that open the breaker */
  readonly failures: number;
  /** how long events are not sent once it is open */
  readonly cooldownMs: number;
}

/** Why an event is not sent: the outage it falls in, in wall-clock time for the message. */
export interface Outage {
  /** when the first of the failures in a row was given up on */
  readonly since: number;
  /** what went wrong with the last event that was tried */
  readonly lastReason: string;
  /** when the next event will be tried */
  readonly retryAt: number;
  /** an event is being tried now; the others wait for its answer */
  readonly trialUnderWay: boolean;
}

export type Admission =
  | { readonly send: true; readonly trial: boolean }
  | { readonly send: false; readonly outage: Outage };

/**
 * A circuit breaker for one consumer. The pipeline awaits every lineage event, and against a
 * consumer that hangs or is down each one costs up to the sink's timeout; for as long as an outage
 * lasts that would slow every batch. So after `failures` undelivered events in a row the breaker
 * opens: for `cooldownMs` events are not sent at all (the sink reports them lost at once), then
 * one event is let through as a trial. A trial that is delivered closes the breaker; one that is
 * not opens it for another cooldown. A consumer that is down thus costs the pipeline `failures`
 * timeouts, then one timeout per cooldown, however long it stays down.
 *
 * Only failures that say the consumer cannot take events count (timeouts, network errors, 429 and
 * 5xx after the retries); the sink decides which. Times for the cooldown come from `clock`, a
 * monotonic one by default so that a wall-clock step neither ends nor stretches it; messages use
 * `wallClock`.
 */
export class DeliveryBreaker {
  private readonly settings: BreakerSettings;
  private failuresInRow = 0;
  private since = 0;
  private lastReason = '';
  /** clock time from which a trial may go; undefined while the breaker is closed */
  private openUntil: number | undefined;
  private retryAt = 0;
  /** one trial at a time: events arriving while it is under way are not sent either */
  private trialUnderWay = false;
  /** events given up on or not sent since the outage began, for the recovery message */
  private lost = 0;

  constructor(
    settings: Partial<BreakerSettings> = {},
    private readonly clock: () => number = () => performance.now(),
    private readonly wallClock: () => number = Date.now,
  ) {
    this.settings = {
      failures: settings.failures ?? DEFAULT_BREAKER_FAILURES,
      cooldownMs: settings.cooldownMs ?? DEFAULT_BREAKER_COOLDOWN_MS,
    };
  }

  /** Whether the next event may be sent, and whether it is the trial of an open breaker. */
  admit(): Admission {
    if (this.openUntil === undefined) return { send: true, trial: false };
    if (this.trialUnderWay || this.clock() < this.openUntil) {
      this.lost++;
      return {
        send: false,
        outage: {
          since: this.since,
          lastReason: this.lastReason,
          retryAt: this.retryAt,
          trialUnderWay: this.trialUnderWay,
        },
      };
    }
    this.trialUnderWay = true;
    return { send: true, trial: true };
  }

  /**
   * The consumer took the event, or answered it with a final no (a 4xx: the event, not the
   * consumer, is at fault). Either way it is up: the failures in a row end and an open breaker
   * closes. Returns the number of events lost during the outage this ends, 0 when there was none.
   */
  reachable(admission: { readonly trial: boolean }): number {
    if (admission.trial) this.trialUnderWay = false;
    const ended = this.openUntil !== undefined ? this.lost : 0;
    this.failuresInRow = 0;
    this.openUntil = undefined;
    this.lost = 0;
    return ended;
  }

  /**
   * The consumer could not take the event. Returns the wall-clock time of the next trial when the
   * breaker is open after this (it just opened, or a trial failed), undefined while it stays closed.
   */
  unavailable(admission: { readonly trial: boolean }, reason: string): number | undefined {
    if (admission.trial) this.trialUnderWay = false;
    if (this.failuresInRow === 0) this.since = this.wallClock();
    this.failuresInRow++;
    this.lost++;
    this.lastReason = reason;
    if (this.openUntil === undefined && this.failuresInRow < this.settings.failures)
      return undefined;
    this.openUntil = this.clock() + this.settings.cooldownMs;
    this.retryAt = this.wallClock() + this.settings.cooldownMs;
    return this.retryAt;
  }
}
