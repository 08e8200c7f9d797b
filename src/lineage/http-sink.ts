import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryBreaker, type Admission, type BreakerSettings } from './delivery-breaker';
import { RunEventSink, type RunEvent } from './openlineage';
import type { DatasetNamespaces } from './dataset-namespaces';

export const DEFAULT_ENDPOINT = 'api/v1/lineage';
export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Pauses before the second, third and fourth attempt: 3.75 s in all, so against a consumer that
 * answers (or refuses) quickly every retry fits in the default timeout.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 1000, 2500];

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
  /** when to stop sending to a consumer that is down; see DeliveryBreaker for the defaults */
  readonly breaker?: Partial<BreakerSettings>;
}

export interface HttpSinkOptions {
  /** event times, and the times in messages */
  readonly now?: () => number;
  /** called once per event that was not delivered, with an OpenLineageDeliveryError */
  readonly onError?: (error: unknown) => void;
  /** called when the consumer takes events again after the breaker had opened */
  readonly onRecovered?: (message: string) => void;
  readonly retryDelaysMs?: readonly number[];
  /** overrides config.breaker */
  readonly breaker?: Partial<BreakerSettings>;
  /** monotonic milliseconds for the breaker's cooldown (performance.now by default) */
  readonly breakerClock?: () => number;
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

type Attempt =
  | { readonly delivered: true }
  | {
      readonly delivered: false;
      readonly retry: boolean;
      /** whether this says the consumer cannot take events (it counts towards the breaker) */
      readonly unavailable: boolean;
      readonly reason: string;
      readonly status?: number;
      readonly retryAfterMs?: number;
    };

type Delivery =
  | { readonly delivered: true }
  | {
      readonly delivered: false;
      readonly unavailable: boolean;
      readonly reason: string;
      readonly attempts: number;
      readonly status?: number;
    };

/**
 * POSTs each run event as JSON, like OpenLineage's HTTP transport. Network errors, 429 and 5xx are
 * retried with short pauses; any other answer is final. The pipeline awaits every event, so one
 * deadline (timeoutMs) covers all attempts of an event: a consumer that hangs costs each event at
 * most that long, and a failure is reported through onError instead of thrown. A consumer that
 * stays down would still cost every event that long, so a DeliveryBreaker stops sending to it for
 * a while; the events it holds back are reported like any other lost event.
 */
export class HttpOpenLineageSink extends RunEventSink {
  private readonly target: URL;
  /** for messages: no query string, which could carry a token */
  private readonly where: string;
  private readonly headers: Record<string, string>;
  private readonly onError: (error: unknown) => void;
  private readonly onRecovered: (message: string) => void;
  private readonly retryDelaysMs: readonly number[];
  private readonly breaker: DeliveryBreaker;

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
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.breaker = new DeliveryBreaker(
      { ...config.breaker, ...options.breaker },
      options.breakerClock,
      options.now,
    );
  }

  async emit(event: RunEvent): Promise<void> {
    const admission = this.breaker.admit();
    if (!admission.send) {
      this.refuse(event, admission);
      return;
    }
    // a trial only asks whether the consumer is back: pausing between retries would hold the
    // pipeline up for the answer a single attempt gives
    const result = await this.deliver(event, admission.trial ? [] : this.retryDelaysMs);
    if (result.delivered || !result.unavailable) {
      const lost = this.breaker.reachable(admission);
      if (lost > 0)
        this.onRecovered(
          `OpenLineage consumer ${this.where} takes events again; ${lost} ` +
            `${lost === 1 ? 'event was' : 'events were'} lost while it was unavailable`,
        );
      if (!result.delivered) this.report(event, result);
      return;
    }
    const retryAt = this.breaker.unavailable(admission, result.reason);
    this.report(
      event,
      result,
      retryAt === undefined
        ? ''
        : `; ${admission.trial ? 'still unavailable' : 'consumer unavailable'}, ` +
            `events not sent until ${iso(retryAt)}`,
    );
  }

  private async deliver(event: RunEvent, retryDelaysMs: readonly number[]): Promise<Delivery> {
    const body = JSON.stringify(event);
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.config.timeoutMs);
    for (let attempts = 1; ; attempts++) {
      const result = await this.attempt(body, deadline);
      if (result.delivered) return result;
      const failed = {
        delivered: false,
        unavailable: result.unavailable,
        reason: result.reason,
        attempts,
        ...(result.status !== undefined ? { status: result.status } : {}),
      } as const;
      const delay = retryDelaysMs[attempts - 1];
      if (!result.retry || delay === undefined) return failed;
      const pause = Math.max(delay, result.retryAfterMs ?? 0);
      // sleeping into the deadline would only hold the pipeline up for an attempt that cannot happen
      if (pause >= this.config.timeoutMs - (performance.now() - started))
        return { ...failed, reason: `${result.reason}; no time left to retry` };
      await sleep(pause);
    }
  }

  private async attempt(body: string, deadline: AbortSignal): Promise<Attempt> {
    try {
      const response = await fetch(this.target, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: deadline,
        // fetch would turn a POST into a GET on 301/302 and lose the event; report it instead
        redirect: 'manual',
      });
      if (response.ok) {
        await response.body?.cancel();
        return { delivered: true };
      }
      const text = (await response.text()).replace(/\s+/g, ' ').trim().slice(0, 200);
      const retry = response.status === 429 || response.status >= 500;
      // Any other answer (a 400, 401, 404, a redirect) comes back at once and says the event or
      // the configuration is wrong, not that the consumer is down: it costs the pipeline no time,
      // so it must not open the breaker, and holding back the events would not make them any
      // more welcome.
      const unavailable = retry;
      const location = response.headers.get('location');
      const reason =
        `HTTP ${response.status}` +
        (location && response.status >= 300 && response.status < 400
          ? ` redirect to ${location} (not followed: set ADX_OPENLINEAGE_URL to the target)`
          : '') +
        (text ? `: ${text}` : '');
      const retryAfterMs = retryAfter(response.headers.get('retry-after'));
      return {
        delivered: false,
        retry,
        unavailable,
        reason,
        status: response.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (error) {
      if (deadline.aborted)
        return {
          delivered: false,
          retry: false,
          unavailable: true,
          reason: `timed out (${this.config.timeoutMs} ms)`,
        };
      return { delivered: false, retry: true, unavailable: true, reason: describe(error) };
    }
  }

  private report(
    event: RunEvent,
    failed: Extract<Delivery, { delivered: false }>,
    breaker = '',
  ): void {
    const { attempts } = failed;
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    this.onError(
      new OpenLineageDeliveryError(
        `${event.eventType} event of run ${event.run.runId} not delivered to ` +
          `${this.where} after ${tries}: ${failed.reason}${breaker}`,
        attempts,
        failed.status,
      ),
    );
  }

  /** Reported at once, so the event still counts as lost while the pipeline carries on. */
  private refuse(event: RunEvent, admission: Extract<Admission, { send: false }>): void {
    const { since, lastReason, retryAt, trialUnderWay } = admission.outage;
    const next = trialUnderWay ? 'while a trial event is out' : `until ${iso(retryAt)}`;
    this.onError(
      new OpenLineageDeliveryError(
        `OpenLineage consumer ${this.where} unavailable since ${iso(since)} (${lastReason}); ` +
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
