/**
 * The Postgres and Kafka policies (issue 12, item 7): what each retries, that whatever they give
 * up with is still an outage of the right dependency to the pipeline's outage wait (so retrying
 * inside the adapter never hides an outage from /readyz), how their attempts are bounded, and
 * that kafkajs's own retries no longer multiply the policy's.
 */
import { Kafka } from 'kafkajs';
import {
  isTransientKafkaError,
  KAFKA_POLICY,
  KAFKA_PRODUCER_RETRY,
  kafkaPolicyOf,
} from '../../adapters/kafka/kafka-client';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import {
  isTransientPostgresError,
  POSTGRES_POLICY,
  POSTGRES_TIMEOUTS,
  postgresPolicyOf,
} from '../../adapters/postgres/postgres-policy';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { DependencyUnavailableError } from '../../adapters/resilience/dependency-policy';
import { loadConfig } from '../../src/config/config';
import { outageClassifier } from '../../src/container/outage-classifier';

const outageOf = outageClassifier(
  loadConfig({
    ADX_PROFILE: 'real',
    KAFKA_BROKERS: '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
    ADX_PSEUDONYMIZATION_KEY: '7e57'.repeat(16),
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/adx',
  }),
);
const pgError = (code: string, message = `pg ${code}`) =>
  Object.assign(new Error(message), { code });
const named = (name: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...fields });

describe('the Postgres policy', () => {
  const outages: [string, unknown][] = [
    [
      'connection refused',
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED', port: 5432 }),
    ],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['shutting down', pgError('57P01')],
    ['starting up', pgError('57P03')],
    ['too many connections', pgError('53300')],
    ['statement_timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['lock_timeout', pgError('55P03', 'canceling statement due to lock timeout')],
    ['idle in transaction too long', pgError('25P03')],
    [
      'no pooled connection',
      named('KnexTimeoutError', { message: 'Knex: Timeout acquiring a connection' }),
    ],
    ['inside a cause', new Error('load failed', { cause: pgError('08006') })],
  ];
  it.each(outages)(
    'retries %s, and gives up with an error the outage wait calls postgres',
    (_w, e) => {
      expect(isTransientPostgresError(e)).toBe(true);
      expect(outageOf(e)).toBe('postgres');
    },
  );

  it.each([
    ['a serialization failure', pgError('40001')],
    ['a deadlock', pgError('40P01')],
  ])('retries %s (rolled back whole), which is contention, not an outage', (_w, e) => {
    expect(isTransientPostgresError(e)).toBe(true);
    expect(outageOf(e)).toBeUndefined();
  });

  it.each([
    ['a constraint violation', pgError('23505')],
    ['a permission refusal', pgError('42501')],
    ['a syntax error', pgError('42601')],
    ['a defect', new TypeError('x is undefined')],
  ])('passes %s through at once', (_w, e) => {
    expect(isTransientPostgresError(e)).toBe(false);
  });

  it('gives up, once its breaker is open, with an error the outage wait calls postgres', () => {
    expect(outageOf(new DependencyUnavailableError('postgres', 'breaker_open', 'x'))).toBe(
      'postgres',
    );
  });

  it('bounds attempts server-side: every session of the pool starts with the timeouts', async () => {
    const knex = createPostgresKnex({ connectionString: 'postgresql://u@127.0.0.1:1/db' });
    try {
      expect(knex.client.config.connection).toMatchObject({
        statement_timeout: POSTGRES_TIMEOUTS.statementMs,
        lock_timeout: POSTGRES_TIMEOUTS.lockMs,
        idle_in_transaction_session_timeout: POSTGRES_TIMEOUTS.idleInTransactionMs,
        connectionTimeoutMillis: POSTGRES_TIMEOUTS.connectMs,
      });
      expect(knex.client.config.acquireConnectionTimeout).toBe(POSTGRES_TIMEOUTS.acquireMs);
      const policy = postgresPolicyOf(knex);
      expect(policy.name).toBe('postgres');
      expect(policy.settings).toBe(POSTGRES_POLICY);
      // a transaction is never abandoned client-side: the server ends it and answers
      expect(policy.settings.attemptTimeout).toBe('cooperative');
      expect(policy.settings.attemptTimeoutMs).toBe(POSTGRES_TIMEOUTS.statementMs);
    } finally {
      await knex.destroy();
    }
  });

  it('runs PGlite calls once: in-process, nothing there to be down', async () => {
    const knex = await openPgliteKnex();
    try {
      const policy = postgresPolicyOf(knex);
      let attempts = 0;
      await expect(
        policy.execute(async () => {
          attempts++;
          throw pgError('57P01');
        }),
      ).rejects.toMatchObject({ code: '57P01' });
      expect(attempts).toBe(1);
    } finally {
      await knex.destroy();
    }
  });
});

describe('the Kafka policy', () => {
  it.each([
    ['a connection error', named('KafkaJSConnectionError', { retriable: true })],
    ['a request timeout', named('KafkaJSRequestTimeoutError', { retriable: true })],
    [
      'kafkajs out of its own retries',
      named('KafkaJSNumberOfRetriesExceeded', { retriable: false }),
    ],
    ['no broker found', named('KafkaJSBrokerNotFound')],
    ['a retriable protocol error (NOT_LEADER)', named('KafkaJSProtocolError', { retriable: true })],
  ])('retries %s, and gives up with an error the outage wait calls kafka', (_w, e) => {
    expect(isTransientKafkaError(e)).toBe(true);
    expect(outageOf(e)).toBe('kafka');
  });

  it.each([
    ['a record too large', named('KafkaJSProtocolError', { retriable: false })],
    ['a refused authentication', named('KafkaJSSASLAuthenticationError')],
    ['a defect', new TypeError('x is undefined')],
  ])('passes %s through at once', (_w, e) => {
    expect(isTransientKafkaError(e)).toBe(false);
  });

  it('one policy per producer, and kafkajs retries once inside a call, without a backoff of its own', () => {
    const kafka = new Kafka({ clientId: 'policy-test', brokers: ['127.0.0.1:1'] });
    const producer = kafka.producer({ idempotent: true, retry: KAFKA_PRODUCER_RETRY });
    expect(kafkaPolicyOf(producer)).toBe(kafkaPolicyOf(producer));
    expect(kafkaPolicyOf(producer).name).toBe('kafka');
    expect(kafkaPolicyOf(producer).settings).toBe(KAFKA_POLICY);
    // at most 2 kafkajs tries per policy attempt
    expect((KAFKA_PRODUCER_RETRY.retries ?? 0) + 1).toBeLessThanOrEqual(2);
    expect(KAFKA_POLICY.attemptTimeout).toBe('cooperative');
  });
});
