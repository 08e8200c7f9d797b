import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';

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
