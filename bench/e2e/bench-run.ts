/**
 * One benchmark run's own resources on the shared stack: topics under a fresh prefix, a consumer
 * group, an S3 bucket and a migrated database `adx_bench_<hex>`, all dropped at the end (unless
 * --keep), the way the test suites isolate themselves from each other.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { migrateUp } from '../../migrations';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/advertisex';
const S3 = {
  endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'adxlocal',
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'adxlocalsecret',
};
/** a fixed key (hex, 32 bytes), as the tests use: pseudonyms are stable across instances */
const BENCH_PSEUDONYMIZATION_KEY = 'be7c'.repeat(16);

export interface BenchRun {
  readonly name: string;
  readonly prefix: string;
  readonly bucket: string;
  readonly database: string;
  readonly databaseUrl: string;
  /** what every service process of the run gets (the real profile against the stack) */
  readonly env: Readonly<Record<string, string>>;
}

async function onServer(statement: string): Promise<void> {
  const admin = createPostgresKnex({ connectionString: SERVER_URL, poolMax: 1 });
  try {
    await admin.raw(statement);
  } finally {
    await admin.destroy();
  }
}

export async function createRun(): Promise<BenchRun> {
  const hex = randomBytes(4).toString('hex');
  const name = `adx-bench-${hex}`;
  const database = `adx_bench_${hex}`;
  await onServer(`CREATE DATABASE ${database}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const knex = createPostgresKnex({ connectionString: databaseUrl, poolMax: 1 });
  try {
    await migrateUp(knex);
  } finally {
    await knex.destroy();
  }
  const prefix = `${name}.`;
  return {
    name,
    prefix,
    bucket: name,
    database,
    databaseUrl,
    env: {
      ADX_PROFILE: 'real',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_GROUP_ID: `${prefix}service`,
      SCHEMA_REGISTRY_URL:
        process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
      ADX_PSEUDONYMIZATION_KEY: BENCH_PSEUDONYMIZATION_KEY,
      ADX_TOPIC_PREFIX: prefix,
      DATABASE_URL: databaseUrl,
      S3_BUCKET: name,
      S3_ENDPOINT: S3.endpoint,
      S3_ACCESS_KEY_ID: S3.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      ADX_LOG_FORMAT: 'json',
      ADX_PROGRESS_INTERVAL: '1h',
    },
  };
}

export function openDatabase(run: BenchRun): Knex {
  return createPostgresKnex({ connectionString: run.databaseUrl, poolMax: 2 });
}

async function dropBucket(bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint: S3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey },
  });
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket })) {
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length > 0)
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
        );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

async function dropTopicsAndGroups(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const { groups } = await admin.listGroups();
    const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (ids.length > 0) await admin.deleteGroups(ids);
  } finally {
    await admin.disconnect();
  }
}

/** Best effort, each part on its own: what could not be dropped is named, not thrown. */
export async function dropRun(run: BenchRun, kafka: Kafka): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  await attempt(`topics ${run.prefix}*`, () => dropTopicsAndGroups(kafka, run.prefix));
  await attempt(`bucket ${run.bucket}`, () => dropBucket(run.bucket));
  await attempt(`database ${run.database}`, () =>
    onServer(`DROP DATABASE IF EXISTS ${run.database} WITH (FORCE)`),
  );
  return problems;
}
