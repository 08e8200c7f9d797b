import { DependencyUnavailableError } from '../../adapters/resilience/dependency-policy';
import type { Logger } from '../../ports';
import { outageClassifier } from '../../src/container/outage-classifier';
import { loadConfig } from '../../src/config/config';
import { DependencyOutages } from '../../src/pipeline/dependency-outages';
import { waitOut, type WaitOutOptions } from '../../src/pipeline/wait-out';

interface Logged {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

function harness(outageOf: WaitOutOptions['outageOf'] = () => 'postgres') {
  const logged: Logged[] = [];
  const logger: Logger = {
    info: (message, fields) =>
      logged.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) =>
      logged.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: () => {},
  };
  const pauses: number[] = [];
  let stopping = false;
  const outages = new DependencyOutages(logger);
  const options: WaitOutOptions = {
    outageOf,
    outages,
    stopping: () => stopping,
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
    outageBackoffMs: { first: 100, last: 1000 },
  };
  return { logged, pauses, outages, options, stop: () => (stopping = true) };
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

describe('waiting an outage out', () => {
  it('retries for as long as the dependency is down, backing off with jitter up to a bound', async () => {
    const h = harness();
    const seen: string[][] = [];
    const unit = failing(12, new Error('connect ECONNREFUSED'));
    const effect = async () => {
      seen.push(h.outages.down());
      return unit.effect();
    };
    await expect(waitOut(effect, h.options)).resolves.toBe('done');
    expect(unit.calls()).toBe(13);
    // equal jitter with random() = 0.5: three quarters of 100, 200, 400, 800, then of 1000
    expect(h.pauses).toEqual([75, 150, 300, 600, ...Array(8).fill(750)]);
    expect(seen.at(1)).toEqual(['postgres']);
    expect(h.outages.down()).toEqual([]);
  });

  it('logs one line when the outage starts and one when the dependency is back', async () => {
    const h = harness();
    await waitOut(failing(5, new Error('down')).effect, h.options);
    expect(h.logged.map((l) => `${l.level} ${l.message} ${String(l.fields?.dependency)}`)).toEqual([
      'warn dependency down: waiting it out postgres',
      'info dependency back postgres',
    ]);
    expect(h.logged[1]?.fields?.attempts).toBe(5);
  });

  it('gives other errors four more tries, then throws them', async () => {
    const h = harness(() => undefined);
    const bug = new TypeError('x is undefined');
    const unit = failing(99, bug);
    await expect(waitOut(unit.effect, h.options)).rejects.toBe(bug);
    expect(unit.calls()).toBe(5);
    expect(h.logged).toEqual([]);
  });

  it('stops waiting once the service is asked to stop', async () => {
    const h = harness();
    const unit = failing(99, new Error('down'));
    const options: WaitOutOptions = {
      ...h.options,
      sleep: async (ms: number) => {
        h.pauses.push(ms);
        if (h.pauses.length === 3) h.stop();
      },
    };
    await expect(waitOut(unit.effect, options)).rejects.toThrow('down');
    expect(unit.calls()).toBe(4);
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
