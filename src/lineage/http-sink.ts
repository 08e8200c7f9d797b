import {
  dependencyPolicy,
  DependencyUnavailableError,
  type DependencyPolicy,
} from '../../adapters/resilience/dependency-policy';
import { RunEventSink, type RunEvent } from './openlineage';
import type { DatasetNamespaces } from './dataset-namespaces';

export const DEFAULT_ENDPOINT = 'api/v1/lineage';
export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Three retries, paused with decorrelated jitter from 250 ms up to 2.5 s: against a consumer that
 * answers (or refuses) quickly every retry fits in the default timeout.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 1000, 2500];
const DEFAULT_BACKOFF = { initialDelayMs: 250, maxDelayMs: 2500 } as const;
export const DEFAULT_BREAKER_FAILURES = 3;
export const DEFAULT_BREAKER_COOLDOWN_MS = 30_000;

/** ADX_OPENLINEAGE_BREAKER_FAILURES and ADX_OPENLINEAGE_BREAKER_COOLDOWN, checked by loadConfig. */
export interface BreakerSettings {
  /** undelivered events in a row that open the breaker */
  readonly failures: number;
  /** how long events are not sent once it is open */
  readonly cooldownMs: number;
}

/** ADX_OPENLINEAGE_URL and friends, checked by loadConfig. */
export interface OpenLineageHttpConfig {
  /** base URL of the consumer, e.g. http://marquez:5000 */
  readonly url: string;
  /** resolved against `url`, see lineageEndpoint */
  readonly endpoint: string;
  /** sent as `Authorization: Bearer <apiKey>` */
  readonly apiKey?: string;
  /** the most one event may take, retries and pauses included */
  readonly timeoutMs: number;
  /** when to stop sending to a consumer that is down (defaults: 3 failures, 30 s) */
  readonly breaker?: Partial<BreakerSettings>;
}

export interface HttpSinkOptions {
  /** event times, and the times in messages */
  readonly now?: () => number;
  /** called once per event that was not delivered, with an OpenLineageDeliveryError */
  readonly onError?: (error: unknown) => void;
  /** called when the consumer takes events again after the breaker had opened */
  readonly onRecovered?: (message: string) => void;
  /** fixed pauses between attempts instead of the jittered ones (tests) */
  readonly retryDelaysMs?: readonly number[];
  /** overrides config.breaker */
  readonly breaker?: Partial<BreakerSettings>;
  /** how the run events name their datasets (the embedded names by default) */
  readonly namespaces?: DatasetNamespaces;
}

/**
 * Where events are POSTed: the endpoint resolved against the URL like a relative link, which is
 * what the OpenLineage Python client's `urljoin(url, endpoint)` does. So http://marquez:5000 and
 * `api/v1/lineage` give http://marquez:5000/api/v1/lineage, a path on the URL is kept only when it
 * ends with `/`, and an endpoint starting with `/` replaces the URL's path.
 */
export function lineageEndpoint(url: string, endpoint: string): URL {
  return new URL(endpoint, url);
}

export class OpenLineageDeliveryError extends Error {
  constructor(
    message: string,
    /** 0 when the event was not sent because the breaker was open */
    readonly attempts: number,
    /** HTTP status of the last answer; absent when there was none (network error, timeout) */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OpenLineageDeliveryError';
  }
}

/** One POST that did not deliver: a network error, a timeout, or an answer other than 2xx. */
class AttemptFailed extends Error {
  constructor(
    readonly reason: string,
    /** network errors, 429 and 5xx: the consumer cannot take events now (retried, and counted) */
    readonly unavailable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
    this.name = 'AttemptFailed';
  }
}

/** An answer that is final (a 4xx, a redirect): the consumer is up, the event is refused. */
interface Refused {
  readonly refused: true;
  readonly reason: string;
  readonly status: number;
}

/** the lineage consumer's policy, from the sink's settings (README "Resilience") */
function lineagePolicy(config: OpenLineageHttpConfig, options: HttpSinkOptions): DependencyPolicy {
  const breaker = { ...config.breaker, ...options.breaker };
  const delays = options.retryDelaysMs;
  return dependencyPolicy(
    'OpenLineage consumer',
    {
      attemptTimeoutMs: config.timeoutMs,
      totalTimeoutMs: config.timeoutMs,
      attempts: (delays ?? DEFAULT_RETRY_DELAYS_MS).length + 1,
      backoff: delays ? { delaysMs: delays } : DEFAULT_BACKOFF,
      breakerFailures: breaker.failures ?? DEFAULT_BREAKER_FAILURES,
      breakerCooldownMs: breaker.cooldownMs ?? DEFAULT_BREAKER_COOLDOWN_MS,
    },
    {
      isTransient: (error) => error instanceof AttemptFailed && error.unavailable,
      requestedDelayMs: (error) =>
        error instanceof AttemptFailed ? error.retryAfterMs : undefined,
    },
  );
}

/**
 * POSTs each run event as JSON, like OpenLineage's HTTP transport. Network errors, 429 and 5xx are
 * retried with jittered pauses (honouring Retry-After); any other answer is final. The pipeline
 * awaits every event, so one deadline (timeoutMs) covers all attempts of an event: a consumer that
 * hangs costs each event at most that long, and a failure is reported through onError instead of
 * thrown. A consumer that stays down would still cost every event that long, so the policy's
 * circuit breaker stops sending to it for a while; the events it holds back are reported like any
 * other lost event. Timeouts, retries and the breaker are cockatiel's, through the same
 * DependencyPolicy every adapter uses.
 */
export class HttpOpenLineageSink extends RunEventSink {
  private readonly target: URL;
  /** for messages: no query string, which could carry a token */
  private readonly where: string;
  private readonly headers: Record<string, string>;
  private readonly onError: (error: unknown) => void;
  private readonly onRecovered: (message: string) => void;
  readonly policy: DependencyPolicy;
  /** the outage in progress: since when, why, when the next trial goes, how many events it cost */
  private outage: { since: number; lastReason: string; retryAt: number; lost: number } | undefined;
  private failuresInRow = 0;
  private firstFailureAt = 0;
  private readonly wallClock: () => number;

  constructor(
    private readonly config: OpenLineageHttpConfig,
    options: HttpSinkOptions = {},
  ) {
    super(options.now ?? Date.now, options.namespaces);
    this.target = lineageEndpoint(config.url, config.endpoint);
    this.where = `${this.target.origin}${this.target.pathname}`;
    this.headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}),
    };
    this.onError = options.onError ?? (() => {});
    this.onRecovered = options.onRecovered ?? (() => {});
    this.wallClock = options.now ?? Date.now;
    this.policy = lineagePolicy(config, options);
    this.policy.onBreak((error) => {
      const cooldown = this.policy.settings.breakerCooldownMs;
      const lastReason = error instanceof AttemptFailed ? error.reason : describe(error);
      this.outage = {
        since: this.outage?.since ?? this.firstFailureAt,
        lastReason,
        retryAt: this.wallClock() + cooldown,
        // the failures in a row that opened it were lost too (this one is counted by emit)
        lost: this.outage?.lost ?? this.failuresInRow,
      };
    });
    this.policy.onReset(() => {
      const lost = this.outage?.lost ?? 0;
      this.outage = undefined;
      this.onRecovered(
        `OpenLineage consumer ${this.where} takes events again; ${lost} ` +
          `${lost === 1 ? 'event was' : 'events were'} lost while it was unavailable`,
      );
    });
  }

  async emit(event: RunEvent): Promise<void> {
    const body = JSON.stringify(event);
    const trial = this.policy.state !== 'closed';
    let attempts = 0;
    try {
      const answer = await this.policy.execute(async (signal) => {
        attempts++;
        return this.attempt(body, signal);
      });
      this.failuresInRow = 0;
      if (answer !== undefined) this.report(event, answer.reason, attempts, answer.status);
    } catch (error) {
      if (error instanceof DependencyUnavailableError && error.why === 'breaker_open') {
        this.refuse(event);
        return;
      }
      const timedOut = error instanceof DependencyUnavailableError && error.why === 'timed_out';
      const failed = error instanceof AttemptFailed ? error : undefined;
      if (this.failuresInRow++ === 0) this.firstFailureAt = this.wallClock();
      if (this.outage) this.outage.lost++;
      const reason = timedOut
        ? `timed out (${this.config.timeoutMs} ms)`
        : (failed?.reason ?? describe(error));
      const opened = this.policy.state === 'open' && this.outage;
      this.report(
        event,
        reason,
        attempts,
        failed?.status,
        opened
          ? `; ${trial ? 'still unavailable' : 'consumer unavailable'}, events not sent until ` +
              iso(this.outage?.retryAt ?? 0)
          : '',
      );
    }
  }

  /** One POST: undefined when delivered, a Refused when the answer is final, else it throws. */
  private async attempt(body: string, signal: AbortSignal): Promise<Refused | undefined> {
    let response: Response;
    try {
      response = await fetch(this.target, {
        method: 'POST',
        headers: this.headers,
        body,
        signal,
        // fetch would turn a POST into a GET on 301/302 and lose the event; report it instead
        redirect: 'manual',
      });
    } catch (error) {
      throw new AttemptFailed(describe(error), true);
    }
    if (response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const text = (await response.text()).replace(/\s+/g, ' ').trim().slice(0, 200);
    const location = response.headers.get('location');
    const reason =
      `HTTP ${response.status}` +
      (location && response.status >= 300 && response.status < 400
        ? ` redirect to ${location} (not followed: set ADX_OPENLINEAGE_URL to the target)`
        : '') +
      (text ? `: ${text}` : '');
    // Any answer but 429 and 5xx (a 400, 401, 404, a redirect) comes back at once and says the
    // event or the configuration is wrong, not that the consumer is down: it costs the pipeline
    // no time, so it must not open the breaker (it is a success to the policy), and holding back
    // the events would not make them any more welcome.
    if (response.status === 429 || response.status >= 500)
      throw new AttemptFailed(
        reason,
        true,
        response.status,
        retryAfter(response.headers.get('retry-after')),
      );
    return { refused: true, reason, status: response.status };
  }

  private report(
    event: RunEvent,
    reason: string,
    attempts: number,
    status?: number,
    breaker = '',
  ): void {
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    this.onError(
      new OpenLineageDeliveryError(
        `${event.eventType} event of run ${event.run.runId} not delivered to ` +
          `${this.where} after ${tries}: ${reason}${breaker}`,
        attempts,
        status,
      ),
    );
  }

  /** Reported at once, so the event still counts as lost while the pipeline carries on. */
  private refuse(event: RunEvent): void {
    const outage = this.outage ?? { since: 0, lastReason: 'unavailable', retryAt: 0, lost: 0 };
    outage.lost++;
    const next =
      this.policy.state === 'half_open'
        ? 'while a trial event is out'
        : `until ${iso(outage.retryAt)}`;
    this.onError(
      new OpenLineageDeliveryError(
        `OpenLineage consumer ${this.where} unavailable since ${iso(outage.since)} (${outage.lastReason}); ` +
          `${event.eventType} event of run ${event.run.runId} not sent (breaker open ${next})`,
        0,
      ),
    );
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Retry-After in seconds (the HTTP-date form is rare for 429/503 and ignored). */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/**
 * fetch rejects with a bare "fetch failed"; its cause says what happened (ECONNREFUSED, ...).
 * Duck-typed: the error may come from another realm (undici's, or a test sandbox's) than Error.
 */
function describe(error: unknown): string {
  const what = (x: unknown): { message?: unknown; code?: unknown; cause?: unknown } =>
    typeof x === 'object' && x !== null ? x : {};
  const e = what(error);
  if (typeof e.message !== 'string') return String(error);
  const cause = what(e.cause);
  const detail = typeof cause.code === 'string' ? cause.code : cause.message;
  return typeof detail === 'string' ? `${e.message} (${detail})` : e.message;
}
