import { DependencyUnavailableError } from '../../adapters/resilience/dependency-policy';
import type { Logger } from '../../ports';
import { outageClassifier } from '../../src/container/outage-classifier';
import { loadConfig } from '../../src/config/config';
import { DependencyOutages } from '../../src/pipeline/dependency-outages';
import { outagePolicy, type OutagePolicyOptions } from '../../src/pipeline/outage-policy';

interface Logged {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

function harness(outageOf: OutagePolicyOptions['outageOf'] = () => 'postgres') {
  const logged: Logged[] = [];
  const logger: Logger = {
    info: (message, fields) =>
      logged.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) =>
      logged.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: () => {},
  };
  const pauses: { ms: number; outage: boolean }[] = [];
  const retried: number[] = [];
  const outages = new DependencyOutages(logger);
  const policy = outagePolicy({
    outageOf,
    outages,
    onRetry: (attempt) => retried.push(attempt),
    onPause: (ms, outage) => pauses.push({ ms, outage }),
    outageBackoffMs: { first: 100, last: 1000 },
  });
  return { logged, pauses, retried, outages, policy };
}

/** fails `n` times with `error`, then answers 'done' */
const failing = (n: number, error: unknown) => {
  let calls = 0;
  return {
    effect: async () => {
      if (calls++ < n) throw error;
      return 'done';
    },
    calls: () => calls,
  };
};

/** runs `work` to its end on jest's fake clock, however long its pauses add up to */
async function onFakeTime<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  done.catch(() => undefined);
  for (let i = 0; i < 10_000 && !settled; i++) await jest.advanceTimersByTimeAsync(50);
  return done;
}

describe('waiting an outage out', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('retries for as long as the dependency is down, with jittered pauses up to a bound', async () => {
    const h = harness();
    const seen: string[][] = [];
    const unit = failing(30, new Error('connect ECONNREFUSED'));
    const effect = async () => {
      seen.push(h.outages.down());
      return unit.effect();
    };
    await expect(onFakeTime(h.policy.run(effect))).resolves.toBe('done');
    expect(unit.calls()).toBe(31);
    expect(h.pauses).toHaveLength(30);
    expect(h.pauses.every((p) => p.outage && p.ms >= 0 && p.ms <= 1000)).toBe(true);
    // jitter: the first pause is short, and the pauses below the bound all differ
    expect(h.pauses[0]?.ms).toBeLessThan(1000);
    const uncapped = h.pauses.map((p) => p.ms).filter((ms) => ms < 1000);
    expect(new Set(uncapped).size).toBe(uncapped.length);
    expect(seen.at(1)).toEqual(['postgres']);
    expect(h.outages.down()).toEqual([]);
  });

  it('logs one line when the outage starts and one when the dependency is back', async () => {
    const h = harness();
    await onFakeTime(h.policy.run(failing(5, new Error('down')).effect));
    expect(h.logged.map((l) => `${l.level} ${l.message} ${String(l.fields?.dependency)}`)).toEqual([
      'warn dependency down: waiting it out postgres',
      'info dependency back postgres',
    ]);
    expect(h.logged[1]?.fields?.attempts).toBe(5);
  });

  it('gives other errors four more tries, pausing 0.1, 0.5, 2 and 5 s, then throws them', async () => {
    const h = harness(() => undefined);
    const bug = new TypeError('x is undefined');
    const unit = failing(99, bug);
    await expect(onFakeTime(h.policy.run(unit.effect))).rejects.toBe(bug);
    expect(unit.calls()).toBe(5);
    expect(h.retried).toEqual([1, 2, 3, 4]);
    expect(h.pauses).toEqual([100, 500, 2000, 5000].map((ms) => ({ ms, outage: false })));
    expect(h.logged).toEqual([]);
  });

  it('still gives other errors their four tries while the service drains', async () => {
    const h = harness(() => undefined);
    const stop = new AbortController();
    stop.abort();
    const unit = failing(3, new Error('deadlock detected'));
    await expect(onFakeTime(h.policy.run(unit.effect, stop.signal))).resolves.toBe('done');
    expect(h.retried).toEqual([1, 2, 3]);
  });

  it('stops waiting once the service is asked to stop, the outage still on record', async () => {
    const h = harness();
    const stop = new AbortController();
    let calls = 0;
    const effect = async () => {
      if (++calls === 3) stop.abort();
      throw new Error('down');
    };
    await expect(onFakeTime(h.policy.run(effect, stop.signal))).rejects.toThrow('down');
    expect(calls).toBe(3);
    expect(h.outages.down()).toEqual(['postgres']);
  });
});

describe('which dependency an error says is down', () => {
  const outageOf = outageClassifier(
    loadConfig({
      ADX_PROFILE: 'real',
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
      ADX_PSEUDONYMIZATION_KEY: '7e57'.repeat(16),
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/adx',
      S3_BUCKET: 'adx-staging',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
    }),
  );
  const refused = (port: number) =>
    Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), {
      code: 'ECONNREFUSED',
      port,
    });

  it.each([
    [
      'a policy that gave up',
      new DependencyUnavailableError('object store', 'timed_out', 't'),
      'object store',
    ],
    [
      'Postgres shutting down',
      Object.assign(new Error('terminating'), { code: '57P01' }),
      'postgres',
    ],
    ['a dropped connection', new Error('Connection terminated unexpectedly'), 'postgres'],
    [
      'the Postgres policy open (its breaker)',
      new DependencyUnavailableError('postgres', 'breaker_open', 'p'),
      'postgres',
    ],
    [
      'a statement the server ended (statement_timeout)',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      'postgres',
    ],
    [
      'a lock wait the server ended (lock_timeout)',
      Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
      'postgres',
    ],
    [
      'no pooled connection in time',
      Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
        name: 'KnexTimeoutError',
      }),
      'postgres',
    ],
    [
      'the Kafka policy open (its breaker)',
      new DependencyUnavailableError('kafka', 'breaker_open', 'k'),
      'kafka',
    ],
    [
      'a kafkajs connection error',
      Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }),
      'kafka',
    ],
    ['a refused socket, by port', refused(5432), 'postgres'],
    ['a refused socket to S3', refused(9000), 'object store'],
    ['inside a cause', new Error('load failed', { cause: refused(8081) }), 'schema registry'],
    [
      'kafkajs out of retries',
      Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded' }),
      'kafka',
    ],
    [
      'an S3 5xx',
      Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }),
      'object store',
    ],
  ])('%s', (_what, error, dependency) => {
    expect(outageOf(error)).toBe(dependency);
  });

  it.each([
    ['a defect', new TypeError('cannot read properties of undefined')],
    ['a constraint violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a permission refusal', Object.assign(new Error('permission denied'), { code: '42501' })],
    [
      'a record kafkajs refuses',
      Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false }),
    ],
  ])('not an outage: %s', (_what, error) => {
    expect(outageOf(error)).toBeUndefined();
  });
});
