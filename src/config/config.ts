import { createHash } from 'node:crypto';
import { z } from 'zod';
import { pipelineRules, type PipelineRules } from '../../domain';
import type { KafkaConnection } from '../../adapters/kafka/kafka-client';
import {
  kafkaConnection,
  openLineageHttp,
  realProfileGaps,
  registryConnection,
  s3Config,
} from './connections';
import type { S3ObjectStoreConfig } from '../../adapters/s3/s3-object-store';
import type { RegistryConnection } from '../../adapters/schema-registry/confluent-schema-registry';
import {
  parseCrashPlan,
  parseStallPlan,
  type CrashPlan,
  type StallPlan,
} from '../pipeline/crash-points';
import { ConfigError } from './config-error';
import { parseDuration } from './duration';
import { parseBytes, stateBudgetProblem } from './state-budget';
import {
  DEFAULT_BREAKER_COOLDOWN_MS,
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_ENDPOINT,
  DEFAULT_TIMEOUT_MS,
  type OpenLineageHttpConfig,
} from '../lineage/http-sink';
import type { PseudonymizationKey } from '../../ports';
import { configuredKeys, pseudonymizationKeysSchema } from './pseudonymization-keys';
import { databaseUrlWithTls } from './database-tls';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 10m, 24h, 7d or milliseconds, got '${text}'`,
    });
    return z.NEVER;
  }
  return ms;
});
const int = (min: number) => z.coerce.number().int().min(min);
/** fetch refuses URLs with user:password, and a secret there would end up in messages */
const withoutCredentials = (url: string): boolean => {
  try {
    const u = new URL(url);
    return u.username === '' && u.password === '';
  } catch {
    return true; // the url check reports it
  }
};

/** Every setting, by environment variable. README "Configuration" lists the same names. */
const envSchema = z.object({
  ADX_PROFILE: z.enum(['embedded', 'real']).default('embedded'),
  KAFKA_BROKERS: z
    .string()
    // no user@: kafkajs prints broker addresses in its errors; use KAFKA_SASL_* for credentials
    .regex(/^[^,\s@/]+(,[^,\s@/]+)*$/, 'expected host:port[,host:port...] (no credentials)')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('adx-pipeline'),
  KAFKA_GROUP_ID: z.string().min(1).default('adx-pipeline'),
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: z.enum(['true', 'false']).default('true'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  SCHEMA_REGISTRY_URL: z
    .url()
    .refine(
      withoutCredentials,
      'no user:password in the URL; use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD',
    )
    .optional(),
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  ADX_PSEUDONYMIZATION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{32,}$/, 'expected at least 32 hex characters (16 bytes)')
    .optional(),
  /** `id:hex,...`, active key first; see src/config/pseudonymization-keys.ts */
  ADX_PSEUDONYMIZATION_KEYS: pseudonymizationKeysSchema.optional(),
  ADX_HTTP_HOST: z.string().default('127.0.0.1'),
  ADX_HTTP_PORT: int(0).max(65535).default(9464),
  ADX_BATCH_SIZE: int(1).max(100_000).default(2000),
  ADX_PARTITIONS: int(1).max(1024).default(3),
  ADX_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  ADX_SNAPSHOT_EVERY: int(1).default(200),
  /** state changes since a group's last snapshot, per entry it held, before the next one (snapshot-cadence.ts) */
  ADX_SNAPSHOT_LOG_RATIO: z.coerce.number().min(0).max(1000).default(1),
  /** embedded profile: processed records each in-memory adapter keeps (src/container/embedded-profile.ts) */
  ADX_EMBEDDED_HISTORY: int(0).default(10_000),
  /** embedded profile: and nothing processed longer ago than this (embedded-profile.ts) */
  ADX_EMBEDDED_RETENTION: duration.default(60_000),
  /** with ADX_STATE_MEMORY_BUDGET: refuse a retention whose state would not fit (state-budget.ts) */
  ADX_EXPECTED_RATE: int(1).optional(),
  ADX_STATE_MEMORY_BUDGET: z
    .string()
    .transform((text, ctx) => {
      const bytes = parseBytes(text);
      if (bytes === undefined || bytes <= 0) {
        ctx.addIssue({ code: 'custom', message: 'expected a size such as 512MB or 8GB' });
        return z.NEVER;
      }
      return bytes;
    })
    .optional(),
  ADX_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  ADX_PROGRESS_INTERVAL: duration.default(5000),
  ADX_REFRESH_INTERVAL: duration.default(30_000),
  /**
   * how long the group coordinator waits for a silent member before its partitions move to the
   * others (Kafka's session.timeout.ms; the broker allows 6s-30min by default)
   */
  ADX_KAFKA_SESSION_TIMEOUT: duration
    .refine((ms) => ms >= 1000 && ms <= 1_800_000, 'expected a duration from 1s to 30m')
    .default(30_000),
  /**
   * the most a fetch returns per partition (kafkajs maxBytesPerPartition, default 1 MiB): with
   * records of a few hundred bytes this, not ADX_BATCH_SIZE, caps a batch
   */
  ADX_KAFKA_MAX_BYTES_PER_PARTITION: int(1024)
    .max(256 * 1024 * 1024)
    .optional(),
  /**
   * source topic-partitions whose batches are worked on at once (kafkajs
   * partitionsConsumedConcurrently): different groups overlap, one group's batches stay in order
   */
  ADX_CONCURRENT_PARTITIONS: int(1).max(64).default(3),
  /** real profile: the Kafka publisher on a worker thread of its own (threaded-event-publisher.ts) */
  ADX_PUBLISHER_THREAD: z.enum(['true', 'false']).default('true'),
  /** an input caught up and quiet this long stops holding its group's watermark back */
  ADX_IDLE_TIMEOUT: duration
    .refine((ms) => ms >= 1 && ms <= 86_400_000, 'expected a duration from 1ms to 24h')
    .default(30_000),
  /** how often the consumer lag is read from the source (Kafka: one admin request per topic) */
  ADX_LAG_INTERVAL: duration
    .refine((ms) => ms >= 100, 'expected a duration of at least 100ms')
    .default(15_000),
  ADX_DEDUPE_RETENTION: duration.optional(),
  ADX_ALLOWED_LATENESS: duration.optional(),
  ADX_CLICK_LOOKBACK: duration.optional(),
  ADX_CONVERSION_WINDOW: duration.optional(),
  ADX_VIEW_THROUGH_WINDOW: duration.optional(),
  ADX_CONVERSION_MODEL: z.enum(['last_click', 'first_click']).optional(),
  ADX_MAX_RECORD_BYTES: int(1024).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
    .optional(),
  S3_ENDPOINT: z
    .url()
    .refine(
      withoutCredentials,
      'no user:password in the URL; use S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY',
    )
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  S3_SSE: z.enum(['AES256', 'aws:kms']).default('AES256'),
  S3_SSE_KMS_KEY_ID: z.string().min(1).optional(),
  S3_REQUIRE_SSE_CONFIRMATION: z.enum(['true', 'false']).default('false'),
  /** CA (PEM) of an https S3_ENDPOINT whose certificate no public CA signed (the local stack's) */
  S3_CA_FILE: z.string().min(1).optional(),
  // libpq's TLS variables, applied to DATABASE_URL when it does not set them (database-tls.ts)
  PGSSLMODE: z.string().optional(),
  PGSSLROOTCERT: z.string().optional(),
  PGSSLCERT: z.string().optional(),
  PGSSLKEY: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  ADX_WAREHOUSE: z.enum(['memory', 'pglite', 'postgres']).optional(),
  /** refuse to serve unless the database login is only a member of adx_loader (src/cli/service-login.ts) */
  ADX_REQUIRE_LOADER_LOGIN: z.enum(['true', 'false']).default('false'),
  ADX_PGLITE_DIR: z.string().min(1).optional(),
  /** OpenLineage run events, one JSON per line, appended to this file */
  ADX_OPENLINEAGE_FILE: z.string().min(1).optional(),
  /** OpenLineage run events POSTed to this consumer (e.g. Marquez), see src/lineage/http-sink.ts */
  ADX_OPENLINEAGE_URL: z
    .url({
      protocol: /^https?$/,
      error: 'expected an http:// or https:// URL, e.g. http://marquez:5000',
    })
    .refine(withoutCredentials, 'no user:password in the URL; use ADX_OPENLINEAGE_API_KEY')
    .optional(),
  ADX_OPENLINEAGE_ENDPOINT: z
    .string()
    .trim()
    .regex(
      /^(?!\/\/)(?![A-Za-z][A-Za-z0-9+.-]*:)\S+$/,
      'expected a path like api/v1/lineage, not a URL',
    )
    .default(DEFAULT_ENDPOINT),
  // the message must not echo the value: it is a secret
  ADX_OPENLINEAGE_API_KEY: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'expected a token of printable ASCII, without spaces')
    .optional(),
  ADX_OPENLINEAGE_TIMEOUT_MS: int(1).max(60_000).default(DEFAULT_TIMEOUT_MS),
  /** undelivered events in a row after which the consumer is left alone for the cooldown */
  ADX_OPENLINEAGE_BREAKER_FAILURES: int(1).max(1000).default(DEFAULT_BREAKER_FAILURES),
  // under a second the breaker would barely spare the pipeline a timeout; over an hour, lineage
  // would stay off long after a short outage
  ADX_OPENLINEAGE_BREAKER_COOLDOWN: duration
    .refine((ms) => ms >= 1000 && ms <= 3_600_000, 'expected a duration from 1s to 1h')
    .default(DEFAULT_BREAKER_COOLDOWN_MS),
  /** testing aid: kill the process at a failpoint, see src/pipeline/crash-points.ts */
  ADX_CRASH_AT: z.string().optional(),
  /** testing aid: wait at a failpoint (a member that stops answering), see crash-points.ts */
  ADX_STALL_AT: z.string().optional(),
  ADX_SIM_SEED: int(0).default(42),
  ADX_SIM_RATE: int(1).default(5000),
  ADX_SIM_CAMPAIGNS: int(1).default(12),
  ADX_SIM_USERS: int(1).default(50_000),
});

export interface Topics {
  readonly impressions: string;
  readonly clicks: string;
  readonly bidRequests: string;
  readonly adEvents: string;
  readonly deadLetter: string;
}

export interface AppConfig {
  readonly profile: 'embedded' | 'real';
  /** present when KAFKA_BROKERS / SCHEMA_REGISTRY_URL are set (always in the real profile) */
  readonly kafka?: KafkaConnection & { readonly groupId: string };
  readonly registry?: RegistryConnection;
  /** the active key's secret (pseudonymizationKeys[0]) */
  readonly pseudonymizationKey: Buffer;
  /** the active key first, then older ones still needed to join users across a rotation */
  readonly pseudonymizationKeys: readonly PseudonymizationKey[];
  /** true when no key was configured and a random one is used for this process only */
  readonly ephemeralKey: boolean;
  readonly http: { readonly host: string; readonly port: number };
  readonly batchSize: number;
  readonly partitions: number;
  readonly topics: Topics;
  readonly snapshotEvery: number;
  readonly snapshotLogRatio: number;
  /** embedded profile: about how many processed records each in-memory adapter keeps */
  readonly embeddedHistory: number;
  /** embedded profile: and for at most this long (ms) */
  readonly embeddedRetentionMs: number;
  readonly logFormat: 'text' | 'json';
  readonly progressIntervalMs: number;
  /** how often the warehouse aggregates are refreshed while batches load */
  readonly refreshIntervalMs: number;
  /** processing time after which a caught-up, quiet input stops holding the watermark back */
  readonly idleTimeoutMs: number;
  /** how long a silent consumer-group member keeps its partitions */
  readonly kafkaSessionTimeoutMs: number;
  /** bytes a fetch returns per partition at most (unset: kafkajs' 1 MiB) */
  readonly kafkaMaxBytesPerPartition?: number;
  /** source topic-partitions whose batches are in flight at once */
  readonly concurrentPartitions: number;
  /** ad_events and dead letters are produced on a worker thread (the real profile) */
  readonly publisherThread: boolean;
  /** how often the consumer lag per partition is read and exposed */
  readonly lagIntervalMs: number;
  readonly rules: PipelineRules;
  readonly simulator: {
    readonly seed: number;
    readonly rate: number;
    readonly campaigns: number;
    readonly users: number;
  };
  readonly crashPlan?: CrashPlan;
  readonly stallPlan?: StallPlan;
  /** staging bucket; without it staging stays in memory */
  readonly s3?: S3ObjectStoreConfig;
  readonly warehouse: {
    readonly kind: 'memory' | 'pglite' | 'postgres';
    readonly databaseUrl?: string;
    readonly pgliteDir?: string;
  };
  /** hash of everything that changes results, recorded in lineage */
  readonly configHash: string;
  /** serve only as a login that is a member of adx_loader alone (ADX_REQUIRE_LOADER_LOGIN) */
  readonly requireLoaderLogin: boolean;
  /** NDJSON file the OpenLineage run events are appended to */
  readonly openLineageFile?: string;
  /** OpenLineage consumer the run events are POSTed to; with openLineageFile, both get them */
  readonly openLineageHttp?: OpenLineageHttpConfig;
}

export { ConfigError };

/** Reads and checks the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  let crashPlan: CrashPlan | undefined;
  let stallPlan: StallPlan | undefined;
  try {
    crashPlan = parseCrashPlan(e.ADX_CRASH_AT);
    stallPlan = parseStallPlan(e.ADX_STALL_AT);
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  ${(error as Error).message}`);
  }
  const missing = realProfileGaps(e);
  if (missing.length > 0)
    throw new ConfigError(`invalid configuration:\n  ${missing.join('\n  ')}`);
  const rules = pipelineRules({
    ...(e.ADX_DEDUPE_RETENTION !== undefined ? { dedupeRetentionMs: e.ADX_DEDUPE_RETENTION } : {}),
    ...(e.ADX_ALLOWED_LATENESS !== undefined ? { allowedLatenessMs: e.ADX_ALLOWED_LATENESS } : {}),
    ...(e.ADX_CLICK_LOOKBACK !== undefined ? { clickLookbackMs: e.ADX_CLICK_LOOKBACK } : {}),
    ...(e.ADX_CONVERSION_WINDOW !== undefined
      ? { conversionClickWindowMs: e.ADX_CONVERSION_WINDOW }
      : {}),
    ...(e.ADX_VIEW_THROUGH_WINDOW !== undefined
      ? { viewThroughWindowMs: e.ADX_VIEW_THROUGH_WINDOW }
      : {}),
    ...(e.ADX_CONVERSION_MODEL !== undefined ? { conversionModel: e.ADX_CONVERSION_MODEL } : {}),
    ...(e.ADX_MAX_RECORD_BYTES !== undefined ? { maxRecordBytes: e.ADX_MAX_RECORD_BYTES } : {}),
  });
  const budget = stateBudgetProblem(rules, e.ADX_EXPECTED_RATE, e.ADX_STATE_MEMORY_BUDGET);
  if (budget) throw new ConfigError(`invalid configuration:\n  ${budget}`);
  const keyring = configuredKeys(e.ADX_PSEUDONYMIZATION_KEYS, e.ADX_PSEUDONYMIZATION_KEY);
  const p = e.ADX_TOPIC_PREFIX;
  const topics: Topics = {
    impressions: `${p}impressions`,
    clicks: `${p}clicks`,
    bidRequests: `${p}bid_requests`,
    adEvents: `${p}ad_events`,
    deadLetter: `${p}ad_events.dlq`,
  };
  const configHash = createHash('sha256')
    .update(
      JSON.stringify({ rules, topics, partitions: e.ADX_PARTITIONS, idle: e.ADX_IDLE_TIMEOUT }),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    profile: e.ADX_PROFILE,
    // parsed whenever set: `adx produce` and the tests use them under any profile
    ...(e.KAFKA_BROKERS ? { kafka: kafkaConnection(e) } : {}),
    ...(e.SCHEMA_REGISTRY_URL ? { registry: registryConnection(e) } : {}),
    pseudonymizationKey: Buffer.from((keyring.keys[0] as PseudonymizationKey).secret),
    pseudonymizationKeys: keyring.keys,
    ephemeralKey: keyring.ephemeral,
    http: { host: e.ADX_HTTP_HOST, port: e.ADX_HTTP_PORT },
    batchSize: e.ADX_BATCH_SIZE,
    partitions: e.ADX_PARTITIONS,
    topics,
    snapshotEvery: e.ADX_SNAPSHOT_EVERY,
    snapshotLogRatio: e.ADX_SNAPSHOT_LOG_RATIO,
    embeddedHistory: e.ADX_EMBEDDED_HISTORY,
    embeddedRetentionMs: e.ADX_EMBEDDED_RETENTION,
    logFormat: e.ADX_LOG_FORMAT,
    progressIntervalMs: e.ADX_PROGRESS_INTERVAL,
    refreshIntervalMs: e.ADX_REFRESH_INTERVAL,
    idleTimeoutMs: e.ADX_IDLE_TIMEOUT,
    kafkaSessionTimeoutMs: e.ADX_KAFKA_SESSION_TIMEOUT,
    ...(e.ADX_KAFKA_MAX_BYTES_PER_PARTITION
      ? { kafkaMaxBytesPerPartition: e.ADX_KAFKA_MAX_BYTES_PER_PARTITION }
      : {}),
    concurrentPartitions: e.ADX_CONCURRENT_PARTITIONS,
    publisherThread: e.ADX_PUBLISHER_THREAD === 'true',
    lagIntervalMs: e.ADX_LAG_INTERVAL,
    rules,
    simulator: {
      seed: e.ADX_SIM_SEED,
      rate: e.ADX_SIM_RATE,
      campaigns: e.ADX_SIM_CAMPAIGNS,
      users: e.ADX_SIM_USERS,
    },
    configHash,
    requireLoaderLogin: e.ADX_REQUIRE_LOADER_LOGIN === 'true',
    ...(crashPlan ? { crashPlan } : {}),
    ...(stallPlan ? { stallPlan } : {}),
    ...(e.ADX_OPENLINEAGE_FILE ? { openLineageFile: e.ADX_OPENLINEAGE_FILE } : {}),
    ...(e.ADX_OPENLINEAGE_URL ? { openLineageHttp: openLineageHttp(e) } : {}),
    ...(e.S3_BUCKET ? { s3: s3Config(e) } : {}),
    warehouse: {
      // embedded: PGlite; real: Postgres when DATABASE_URL is set (else in memory, with a warning)
      kind:
        e.ADX_WAREHOUSE ??
        (e.ADX_PROFILE === 'real' ? (e.DATABASE_URL ? 'postgres' : 'memory') : 'pglite'),
      ...(e.DATABASE_URL ? { databaseUrl: databaseUrlWithTls(e.DATABASE_URL, e) } : {}),
      ...(e.ADX_PGLITE_DIR ? { pgliteDir: e.ADX_PGLITE_DIR } : {}),
    },
  };
}

export type Env = z.infer<typeof envSchema>;
