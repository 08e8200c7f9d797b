import {
  DependencyUnavailableError,
  NETWORK_ERROR_CODES,
} from '../../adapters/resilience/dependency-policy';
import type { OutageOf } from '../../ports';
import type { AppConfig } from '../config/config';

/**
 * Postgres saying it is not there for us: connection exceptions (class 08), shutting down or
 * starting up (57P01-57P03), too many connections (53300); and not answering in time, which its
 * policy's server-side bounds turn into errors (postgres-policy.ts): a statement ended by
 * statement_timeout (57014), a lock wait by lock_timeout (55P03), a session ended as idle in its
 * transaction (25P03). A healthy server answers this service's statements well inside them, so
 * such an error after the policy's retries is waited out like a stopped server.
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300|57014|55P03|25P03)$/;
const PG_GONE =
  /Connection terminated|connection (is )?closed|Timeout acquiring a connection|the database system is (starting up|shutting down)/i;

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly port?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function* chain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const like = e as ErrorLike;
    yield like;
    queue.push(like.cause);
    if (Array.isArray(like.errors)) queue.push(...(like.errors as unknown[]));
  }
}

const portOf = (url: string | undefined, fallback: number): number | undefined => {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : fallback;
  } catch {
    return undefined;
  }
};

/**
 * What the adapters throw when their dependency is down, told apart by type where the adapter
 * names it (the resilience policies, the registry), by the driver's codes (Postgres, kafkajs,
 * the AWS SDK's 5xx), and for a bare socket error by the port it tried.
 */
export function outageClassifier(config: AppConfig): OutageOf {
  const byPort = new Map<number, string>();
  const db = portOf(config.warehouse.databaseUrl, 5432);
  if (db) byPort.set(db, 'postgres');
  const s3 = portOf(config.s3?.endpoint, 443);
  if (s3) byPort.set(s3, 'object store');
  const registry = portOf(config.registry?.url, 443);
  if (registry) byPort.set(registry, 'schema registry');
  for (const broker of config.kafka?.brokers ?? []) {
    const port = Number(broker.split(':').pop());
    if (Number.isInteger(port)) byPort.set(port, 'kafka');
  }

  return (error) => {
    for (const e of chain(error)) {
      if (e instanceof DependencyUnavailableError) return e.dependency;
      const name = typeof e.name === 'string' ? e.name : '';
      const code = typeof e.code === 'string' ? e.code : '';
      const message = typeof e.message === 'string' ? e.message : '';
      if (name === 'RegistryUnavailable') return 'schema registry';
      if (
        name.startsWith('KafkaJS') &&
        (e.retriable === true ||
          /Connection|Timeout|NumberOfRetriesExceeded|BrokerNotFound/.test(name))
      )
        return 'kafka';
      if (PG_UNAVAILABLE.test(code) || (PG_GONE.test(message) && !name.startsWith('KafkaJS')))
        return 'postgres';
      if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return 'object store';
      if (NETWORK_ERROR_CODES.has(code))
        return (typeof e.port === 'number' && byPort.get(e.port)) || 'network';
    }
    return undefined;
  };
}
