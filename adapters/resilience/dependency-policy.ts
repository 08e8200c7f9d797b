import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IterableBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  noop,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';

/**
 * How calls to one dependency (a registry, an object store, a lineage consumer, Kafka, Postgres)
 * are guarded. Every adapter gets the same five mechanisms from cockatiel, composed the
 * same way (outermost first): bulkhead → circuit breaker → total deadline → retries with jittered
 * backoff → per-attempt timeout → the call. Once the breaker has opened, the trial call it lets
 * through after the cooldown gets a single attempt. README "Resilience" lists each adapter's values.
 */
export interface PolicySettings {
  /** most one attempt may take; the call gets an AbortSignal that fires then */
  readonly attemptTimeoutMs: number;
  /**
   * 'abandon' (default): at attemptTimeoutMs the attempt is given up and the next one may start
   * while the first still runs. 'cooperative': the signal fires, but the policy waits for the call
   * to end itself, for calls that must not run on behind their own retry (a Postgres transaction
   * holding row locks, a Kafka send that could still land); their own bounds (Postgres
   * statement_timeout, kafkajs's request timeout) end them at about attemptTimeoutMs.
   */
  readonly attemptTimeout?: 'abandon' | 'cooperative';
  /** attempts in all, the first included (1 = no retry) */
  readonly attempts: number;
  /**
   * pauses between attempts: exponential with decorrelated jitter from initialDelayMs, capped at
   * maxDelayMs (cockatiel's default generator), or fixed delays for tests and special cases
   */
  readonly backoff:
    | { readonly initialDelayMs: number; readonly maxDelayMs: number }
    | { readonly delaysMs: readonly number[] };
  /** most a call may take, all attempts and pauses included; none when absent */
  readonly totalTimeoutMs?: number;
  /** failed calls in a row (after their retries) that open the breaker; 0 = no breaker */
  readonly breakerFailures: number;
  /** how long an open breaker refuses calls before it lets one trial through */
  readonly breakerCooldownMs: number;
  /** calls in flight at once and calls allowed to wait for a slot; none when absent */
  readonly bulkhead?: { readonly concurrency: number; readonly queue: number };
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A call was not made, or not finished, because the dependency is (or seems) down. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: string,
    readonly why: 'breaker_open' | 'bulkhead_full' | 'timed_out',
    message: string,
  ) {
    super(message);
    this.name = 'DependencyUnavailableError';
  }
}

export interface DependencyPolicy {
  /** the dependency's name, as logs, metrics and (later) /readyz name it */
  readonly name: string;
  readonly settings: PolicySettings;
  /**
   * whether the breaker lets calls through now (closed), refuses them (open) or is trying one
   * (half_open: callers meanwhile wait for the trial's answer)
   */
  readonly state: BreakerState;
  /**
   * Runs `call` under the policy. Errors `isTransient` accepts are retried and count towards the
   * breaker; others pass through at once. A refused or timed-out call throws
   * DependencyUnavailableError; after the last attempt the call's own error is thrown.
   */
  execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** listeners for the breaker opening (with the last failure) and closing again */
  onBreak(listener: (lastError: unknown) => void): void;
  onReset(listener: () => void): void;
}

export interface PolicyOptions {
  /** which errors say the dependency is down or overloaded (network errors, 5xx, 429, ...) */
  readonly isTransient: (error: unknown) => boolean;
  /**
   * the pause before a retry when the failed attempt asked for one (e.g. Retry-After);
   * the larger of it and the backoff's is used
   */
  readonly requestedDelayMs?: (error: unknown) => number | undefined;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

type RetryContext = IRetryBackoffContext<unknown>;

/** The base backoff, lengthened where the failed attempt asked for a longer pause. */
function honouring(
  base: IBackoff<RetryContext>,
  requestedDelayMs: NonNullable<PolicyOptions['requestedDelayMs']>,
  context: RetryContext,
): IBackoff<RetryContext> {
  const asked = 'error' in context.result ? requestedDelayMs(context.result.error) : undefined;
  return {
    duration: Math.max(base.duration, asked ?? 0),
    next: (next) => honouring(base.next(next), requestedDelayMs, next),
  };
}

function backoffOf(
  settings: PolicySettings,
  requestedDelayMs: PolicyOptions['requestedDelayMs'],
): IBackoffFactory<RetryContext> {
  const base: IBackoffFactory<RetryContext> =
    'delaysMs' in settings.backoff
      ? new IterableBackoff(settings.backoff.delaysMs)
      : new ExponentialBackoff({
          initialDelay: settings.backoff.initialDelayMs,
          maxDelay: settings.backoff.maxDelayMs,
        });
  if (!requestedDelayMs) return base;
  return { next: (context) => honouring(base.next(context), requestedDelayMs, context) };
}

/** One dependency's policy, from its settings and what counts as the dependency being down. */
export function dependencyPolicy(
  name: string,
  settings: PolicySettings,
  options: PolicyOptions,
): DependencyPolicy {
  const transient = (error: unknown): boolean =>
    error instanceof TaskCancelledError || options.isTransient(error);
  const handled = handleWhen(transient);
  const breaker: CircuitBreakerPolicy | undefined =
    settings.breakerFailures > 0
      ? circuitBreaker(handled, {
          halfOpenAfter: settings.breakerCooldownMs,
          breaker: new ConsecutiveBreaker(settings.breakerFailures),
        })
      : undefined;
  const outer: IPolicy[] = [
    settings.bulkhead ? bulkhead(settings.bulkhead.concurrency, settings.bulkhead.queue) : noop,
    breaker ?? noop,
    settings.totalTimeoutMs !== undefined
      ? timeout(settings.totalTimeoutMs, TimeoutStrategy.Aggressive)
      : noop,
  ];
  const attempt = timeout(
    settings.attemptTimeoutMs,
    settings.attemptTimeout === 'cooperative'
      ? TimeoutStrategy.Cooperative
      : TimeoutStrategy.Aggressive,
  );
  const guarded = wrap(
    ...outer,
    settings.attempts > 1
      ? retry(handled, {
          maxAttempts: settings.attempts - 1,
          backoff: backoffOf(settings, options.requestedDelayMs),
        })
      : noop,
    attempt,
  );
  // a breaker's trial asks one question, is the dependency back: one attempt, no retries
  const trial = wrap(...outer, attempt);

  const translate = (error: unknown): unknown => {
    if (error instanceof BrokenCircuitError)
      return new DependencyUnavailableError(
        name,
        'breaker_open',
        `${name}: not called, it failed ${settings.breakerFailures} times in a row ` +
          `(circuit open, next trial within ${settings.breakerCooldownMs} ms)`,
      );
    if (error instanceof BulkheadRejectedError)
      return new DependencyUnavailableError(
        name,
        'bulkhead_full',
        `${name}: not called, ${settings.bulkhead?.concurrency} calls in flight and ` +
          `${settings.bulkhead?.queue} waiting`,
      );
    if (error instanceof TaskCancelledError)
      return new DependencyUnavailableError(name, 'timed_out', `${name}: timed out`);
    return error;
  };

  return {
    name,
    settings,
    get state() {
      return breaker ? STATES[breaker.state] : 'closed';
    },
    async execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
      try {
        const policy = breaker && breaker.state !== CircuitState.Closed ? trial : guarded;
        return await policy.execute(({ signal }) => call(signal));
      } catch (error) {
        throw translate(error);
      }
    },
    onBreak(listener) {
      breaker?.onBreak((reason) => listener('error' in reason ? reason.error : reason));
    },
    onReset(listener) {
      breaker?.onReset(listener);
    },
  };
}

/** socket errors that mean "nobody answers there (now)", not "the request was wrong" */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** fetch's way of saying the server could not be reached (or answered nothing usable). */
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; cause?: unknown };
  return e.name === 'TypeError' || e.name === 'AbortError' || e.name === 'TimeoutError';
}
