/**
 * The local S3 server (S3Proxy from ops/stack.sh up) as the S3 tests see it: settings from the
 * environment with the stack's local-only defaults, a reachability check that fails a suite
 * instead of skipping it, a bucket per run (dropped afterwards) and a recorder of the HTTP
 * requests the SDK really sends, so tests can assert headers such as server-side encryption.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3ObjectStoreConfig } from '../../adapters/s3/s3-object-store';

// The SDK warns once per process that releases after January 2027 need Node 22; noise in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const env = process.env;
export const S3_TEST = {
  endpoint: env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  region: env.S3_REGION ?? 'us-east-1',
  forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? 'true') === 'true',
  // ops/stack.sh's local-development defaults, not secrets
  accessKeyId: env.S3_ACCESS_KEY_ID ?? 'adxlocal',
  secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? 'adxlocalsecret',
} as const;

/** Store settings for the test server; tests override encryption, timeouts and so on. */
export function testS3Config(
  bucket: string,
  overrides: Partial<S3ObjectStoreConfig> = {},
): S3ObjectStoreConfig {
  return {
    endpoint: S3_TEST.endpoint,
    region: S3_TEST.region,
    forcePathStyle: S3_TEST.forcePathStyle,
    credentials: { accessKeyId: S3_TEST.accessKeyId, secretAccessKey: S3_TEST.secretAccessKey },
    bucket,
    ...overrides,
  };
}

/** The environment that stages a service's batches to `bucket` on the test server. */
export function s3StagingEnv(bucket: string): Record<string, string> {
  return {
    S3_BUCKET: bucket,
    S3_ENDPOINT: S3_TEST.endpoint,
    S3_ACCESS_KEY_ID: S3_TEST.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_TEST.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** `adx-<suite>-<8 hex>`: a valid bucket name (lowercase, <= 63 chars) no earlier run used. */
export function uniqueBucket(suite: string): string {
  return `adx-${suite}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
}

/** Fails the calling suite (in beforeAll) when the server does not answer a signed request. */
export async function requireS3(): Promise<void> {
  const client = new S3Client({
    ...testS3Config('unused'),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 5000, throwOnRequestTimeout: true },
  });
  try {
    await client.send(new ListBucketsCommand({}));
  } catch (error) {
    throw new Error(
      `the S3 server at ${S3_TEST.endpoint} is not usable (${(error as Error).name}: ` +
        `${(error as Error).message}). Start it with \`ops/stack.sh up\`, or point S3_ENDPOINT, ` +
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY at a running one.',
    );
  } finally {
    client.destroy();
  }
}

/** Deletes every object in the bucket (1,000 per DeleteObjects call); a missing bucket is fine. */
export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket })) {
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length === 0) continue;
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
      );
    }
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchBucket') return;
    throw error;
  }
}

export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  await emptyBucket(client, bucket);
  try {
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchBucket') return;
    throw error;
  }
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, unknown>>;
  /** lowercase names, as sent (after checksums and signing) */
  readonly headers: Readonly<Record<string, string>>;
  readonly status?: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
}

function lowercaseHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Every HTTP attempt the client makes from now on (retries included), in order. */
export function recordRequests(client: S3Client): RecordedRequest[] {
  const recorded: RecordedRequest[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      // the deserialize step sees the request after signing, exactly as it goes on the wire
      const request = args.request as {
        method: string;
        path: string;
        query: Record<string, unknown>;
        headers: Record<string, string>;
      };
      const entry = {
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers: lowercaseHeaders(request.headers),
      };
      try {
        const result = await next(args);
        const response = result.response as { statusCode: number; headers: Record<string, string> };
        recorded.push({
          ...entry,
          status: response.statusCode,
          responseHeaders: lowercaseHeaders(response.headers),
        });
        return result;
      } catch (error) {
        const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : 0;
        recorded.push({ ...entry, status, responseHeaders: {} });
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'adxTestRequestRecorder' },
  );
  return recorded;
}
