/**
 * The stack's encrypted endpoints as the tests see them: `ops/stack.sh env --tls` (Kafka SASL_SSL,
 * S3Proxy HTTPS with objects encrypted at rest, the TLS-only PostgreSQL cluster), read once; clients
 * for them; and a reachability check that fails a suite with a clear message instead of skipping.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { createKafka, type KafkaConnection } from '../../adapters/kafka/kafka-client';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { S3ObjectStore, type S3ObjectStoreConfig } from '../../adapters/s3/s3-object-store';

export const ROOT = join(__dirname, '..', '..');

let cached: Readonly<Record<string, string>> | undefined;

/** `ops/stack.sh env --tls` as a map (KAFKA_BROKERS, KAFKA_SASL_PASSWORD, S3_CA_FILE, ...). */
export function secureEnv(): Readonly<Record<string, string>> {
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync('bash', [join(ROOT, 'ops/stack.sh'), 'env', '--tls'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(
      `ops/stack.sh env --tls failed (${(error as { stderr?: string }).stderr ?? String(error)}): ` +
        'start the stack with `ops/stack.sh up`',
    );
  }
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1');
  }
  cached = env;
  return env;
}

const need = (name: string): string => {
  const value = secureEnv()[name];
  if (!value) throw new Error(`ops/stack.sh env --tls printed no ${name}`);
  return value;
};

/** The service's environment for Kafka over SASL_SSL (what a deployment would set). */
export function kafkaTlsEnv(): Record<string, string> {
  return Object.fromEntries(
    [
      'KAFKA_BROKERS',
      'KAFKA_SSL',
      'KAFKA_SSL_CA_FILE',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
    ].map((name) => [name, need(name)]),
  );
}

/** S3 over HTTPS, for the service's environment. */
export function s3HttpsEnv(bucket: string): Record<string, string> {
  return {
    S3_BUCKET: bucket,
    S3_ENDPOINT: need('S3_ENDPOINT'),
    S3_CA_FILE: need('S3_CA_FILE'),
    S3_ACCESS_KEY_ID: need('S3_ACCESS_KEY_ID'),
    S3_SECRET_ACCESS_KEY: need('S3_SECRET_ACCESS_KEY'),
    S3_FORCE_PATH_STYLE: 'true',
  };
}

export function kafkaTlsConnection(): KafkaConnection {
  return {
    brokers: need('KAFKA_BROKERS').split(','),
    clientId: 'adx-tests-tls',
    ssl: { caFile: need('KAFKA_SSL_CA_FILE'), rejectUnauthorized: true },
    sasl: {
      mechanism: 'scram-sha-512',
      username: need('KAFKA_SASL_USERNAME'),
      password: need('KAFKA_SASL_PASSWORD'),
    },
  };
}

/** A kafkajs client on the SASL_SSL listener, quiet unless something is an error. */
export function tlsKafka(): Kafka {
  return createKafka(kafkaTlsConnection(), undefined, { retries: 5 });
}

export function s3HttpsConfig(bucket: string): S3ObjectStoreConfig {
  return {
    endpoint: need('S3_ENDPOINT'),
    region: 'us-east-1',
    forcePathStyle: true,
    caFile: need('S3_CA_FILE'),
    credentials: {
      accessKeyId: need('S3_ACCESS_KEY_ID'),
      secretAccessKey: need('S3_SECRET_ACCESS_KEY'),
    },
    bucket,
  };
}

/** Where S3Proxy keeps its buckets on disk (the raw, encrypted files). */
export const s3DataDir = (): string => need('ADX_STACK_S3_DATA_DIR');

export interface TlsDatabaseUrlOptions {
  readonly user?: string;
  readonly password?: string;
  readonly sslmode?: string;
  /** false: no sslrootcert parameter */
  readonly rootCert?: boolean;
}

/**
 * A URL on the TLS cluster: by default its superuser with sslmode=verify-full and the stack's CA;
 * any part can be swapped (another login, another sslmode, no CA).
 */
export function tlsDatabaseUrl(database: string, options: TlsDatabaseUrlOptions = {}): string {
  const admin = new URL(need('DATABASE_URL'));
  const url = new URL(`postgresql://${admin.host}/${database}`);
  url.username = options.user ?? admin.username;
  url.password = options.password ?? admin.password;
  url.searchParams.set('sslmode', options.sslmode ?? 'verify-full');
  if (options.rootCert !== false)
    url.searchParams.set('sslrootcert', admin.searchParams.get('sslrootcert') ?? caFile());
  return url.toString();
}

export function tlsAdminKnex(database = 'postgres'): Knex {
  return createPostgresKnex({ connectionString: tlsDatabaseUrl(database), poolMax: 2 });
}

export const caFile = (): string => need('KAFKA_SSL_CA_FILE');

export type SecurePart = 'kafka' | 's3' | 'postgres';

/** Fails the calling suite (in beforeAll) when an encrypted endpoint does not answer. */
export async function requireSecureStack(
  parts: readonly SecurePart[] = ['kafka', 's3', 'postgres'],
): Promise<void> {
  const problems: string[] = [];
  try {
    readFileSync(caFile());
  } catch (error) {
    problems.push(`the stack's CA: ${(error as Error).message}`);
  }
  if (parts.includes('kafka')) {
    const admin = tlsKafka().admin();
    try {
      await admin.connect();
      await admin.listTopics();
    } catch (error) {
      problems.push(`Kafka SASL_SSL at ${need('KAFKA_BROKERS')}: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  if (parts.includes('s3')) {
    const store = new S3ObjectStore({ ...s3HttpsConfig('adx-probe'), maxAttempts: 1 });
    try {
      await store.list('');
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'NoSuchBucket') problems.push(`S3 HTTPS at ${need('S3_ENDPOINT')}: ${name}`);
    } finally {
      store.close();
    }
  }
  if (parts.includes('postgres')) {
    const knex = tlsAdminKnex();
    try {
      await knex.raw('SELECT 1');
    } catch (error) {
      problems.push(`the TLS PostgreSQL cluster: ${(error as Error).message}`);
    } finally {
      await knex.destroy();
    }
  }
  if (problems.length > 0)
    throw new Error(
      `the stack's encrypted endpoints are not usable (${problems.join('; ')}). ` +
        'Start them with `ops/stack.sh up` (`ops/stack.sh status` shows kafka-tls, s3-https, pg-tls).',
    );
}
