import { readFileSync } from 'node:fs';
import {
  Kafka,
  logLevel,
  type KafkaConfig,
  type Producer,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import {
  dependencyPolicy,
  type DependencyPolicy,
  type PolicySettings,
  NETWORK_ERROR_CODES,
} from '../resilience/dependency-policy';

/** Connection settings, as the real profile's configuration reads them from the environment. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly rejectUnauthorized: boolean;
  };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

/** kafkajs logs through this, so broker chatter lands in the service's own log lines. */
export type KafkaLog = (
  level: 'error' | 'warn' | 'info',
  message: string,
  fields: Record<string, unknown>,
) => void;

export interface KafkaClientOptions {
  /** retries per request (default 8); a start-up check uses fewer */
  readonly retries?: number;
}

export function createKafka(
  connection: KafkaConnection,
  log?: KafkaLog,
  options: KafkaClientOptions = {},
): Kafka {
  const ssl = connection.ssl
    ? {
        rejectUnauthorized: connection.ssl.rejectUnauthorized,
        ...(connection.ssl.caFile ? { ca: [readFileSync(connection.ssl.caFile, 'utf8')] } : {}),
        ...(connection.ssl.certFile ? { cert: readFileSync(connection.ssl.certFile, 'utf8') } : {}),
        ...(connection.ssl.keyFile ? { key: readFileSync(connection.ssl.keyFile, 'utf8') } : {}),
      }
    : undefined;
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...(ssl ? { ssl } : {}),
    ...(connection.sasl ? { sasl: connection.sasl as SASLOptions } : {}),
    retry: { initialRetryTime: 200, retries: options.retries ?? 8 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!log) return;
      const level =
        entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
      const { message, ...fields } = entry.log;
      log(level, `kafka ${entry.namespace}: ${message}`, fields);
    },
  };
  return new Kafka(config);
}

/**
 * kafkajs's own retries for a producer: one quick resend inside a call, which only kafkajs can do
 * (after NOT_LEADER or a dropped connection it refreshes metadata and resends the batch under the
 * same sequence numbers, so the idempotent producer writes it once; kafkajs refuses an idempotent
 * producer with no retries). Backoff, attempts and the breaker are the policy's (KAFKA_POLICY): a
 * call costs at most 2 kafkajs tries × 4 policy attempts, not kafkajs's 9 × the policy's 4.
 */
export const KAFKA_PRODUCER_RETRY: RetryOptions = {
  retries: 1,
  initialRetryTime: 100,
  maxRetryTime: 1000,
};

/** what kafkajs waits for the brokers' acknowledgement of a send (acks=-1), and asks them to */
export const KAFKA_SEND_TIMEOUT_MS = 30_000;

/**
 * Each send (and the producer's connect): 4 attempts, jittered exponential pauses from 250 ms to
 * 5 s, breaker after 5 failed calls in a row with a 10 s cooldown. The attempt is not abandoned
 * (cooperative): a send given up while in flight could still land behind its retry. kafkajs ends
 * it: its request timeout (30 s) and the acknowledgement timeout (KAFKA_SEND_TIMEOUT_MS).
 */
export const KAFKA_POLICY: PolicySettings = {
  attemptTimeoutMs: KAFKA_SEND_TIMEOUT_MS,
  attemptTimeout: 'cooperative',
  attempts: 4,
  backoff: { initialDelayMs: 250, maxDelayMs: 5000 },
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
};

/**
 * Worth another attempt: what kafkajs calls retriable, its connection and request timeouts, its
 * giving up after its own retries (KafkaJSNumberOfRetriesExceeded) and a broker it could not find;
 * not a refused request (authorization, a record too large, an unknown topic).
 */
export function isTransientKafkaError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; typeof e === 'object' && e !== null && !seen.has(e);) {
    seen.add(e);
    const { name, code, retriable, cause } = e as {
      name?: unknown;
      code?: unknown;
      retriable?: unknown;
      cause?: unknown;
    };
    if (
      typeof name === 'string' &&
      name.startsWith('KafkaJS') &&
      (retriable === true || /Connection|Timeout|NumberOfRetriesExceeded|BrokerNotFound/.test(name))
    )
      return true;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    e = cause;
  }
  return false;
}

/** one policy per producer: the publisher's sends to both topics share its breaker */
const POLICIES = new WeakMap<Producer, DependencyPolicy>();

export function kafkaPolicyOf(producer: Producer): DependencyPolicy {
  let policy = POLICIES.get(producer);
  if (!policy) {
    policy = dependencyPolicy('kafka', KAFKA_POLICY, { isTransient: isTransientKafkaError });
    POLICIES.set(producer, policy);
  }
  return policy;
}
