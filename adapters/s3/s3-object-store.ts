import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import type { ObjectStore, StoredObject } from '../../ports';
import {
  dependencyPolicy,
  isNetworkError,
  type DependencyPolicy,
  type PolicySettings,
} from '../resilience/dependency-policy';

/**
 * Each S3 call: 15 s per attempt (a staging object is at most a few MiB), 3 attempts with
 * jittered exponential pauses from 200 ms (capped at 2 s), breaker after 5 failed calls in a row
 * with a 10 s cooldown, 32 calls in flight and 1000 waiting. The SDK's own retries are off (one
 * attempt per policy attempt), so a put costs at most 3 × 15 s plus pauses, not the SDK's 5 × 60 s.
 */
export const S3_POLICY: PolicySettings = {
  attemptTimeoutMs: 15_000,
  attempts: 3,
  backoff: { initialDelayMs: 200, maxDelayMs: 2000 },
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
  bulkhead: { concurrency: 32, queue: 1000 },
};
const CONNECT_TIMEOUT_MS = 3000;

/** 5xx, 429, throttling and socket errors are worth another attempt; 4xx answers are final. */
function isTransient(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    return status >= 500 || status === 429 || error.$retryable !== undefined;
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'CredentialsProviderError') return false;
  return (
    isNetworkError(error) || (error as { $metadata?: unknown } | null)?.$metadata === undefined
  );
}

/**
 * Server-side encryption requested on every put. SSE-S3 (`AES256`) needs no key management;
 * SSE-KMS names a KMS key (id, ARN or alias) whose policy must let the service encrypt with it.
 */
export type S3Encryption =
  { readonly mode: 'AES256' } | { readonly mode: 'aws:kms'; readonly kmsKeyId: string };

/** Connection settings, as the real profile's configuration reads them from the environment. */
export interface S3ObjectStoreConfig {
  /** only for S3-compatible servers (S3Proxy, MinIO); AWS resolves its own endpoint */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** `bucket` in the path instead of the host name: local servers have no per-bucket DNS */
  readonly forcePathStyle?: boolean;
  /** absent: the SDK's default chain (environment, instance/task role, SSO profile) */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** default SSE-S3 (`AES256`) */
  readonly encryption?: S3Encryption;
  /** PEM file of the CA that signed an https endpoint's certificate, when it is not a public one */
  readonly caFile?: string;
  /**
   * Fail a put whose response does not confirm the requested encryption mode. AWS S3 always
   * echoes `x-amz-server-side-encryption`; S3Proxy never does (it ignores the header), so this is
   * for production only. A response that echoes a DIFFERENT mode fails the put either way.
   */
  readonly requireEncryptionConfirmation?: boolean;
  /** attempts per request, first included; default S3_POLICY's */
  readonly maxAttempts?: number;
  /** TCP connect timeout; default 3 s */
  readonly connectionTimeoutMs?: number;
  /** one attempt, request and response; default S3_POLICY's */
  readonly requestTimeoutMs?: number;
}

/** What may be logged about a store: everything but the credentials. */
export interface S3StoreDescription {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly forcePathStyle: boolean;
  readonly encryption: string;
  readonly credentials: 'static' | 'default-chain';
}

export function describeS3Config(config: S3ObjectStoreConfig): S3StoreDescription {
  const encryption = config.encryption ?? { mode: 'AES256' };
  return {
    endpoint: config.endpoint ?? `aws (${config.region})`,
    region: config.region,
    bucket: config.bucket,
    forcePathStyle: config.forcePathStyle ?? false,
    // a KMS key id is not a secret, and an operator needs it to check the key policy
    encryption: encryption.mode === 'aws:kms' ? `aws:kms (${encryption.kmsKeyId})` : 'AES256',
    credentials: config.credentials ? 'static' : 'default-chain',
  };
}

/** S3 user metadata travels as HTTP headers: S3 lowercases names and mangles non-ASCII values. */
const METADATA_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;
const MAX_KEY_BYTES = 1024;

function checkPut(key: string, contentType: string, metadata: Record<string, string>): void {
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes === 0 || keyBytes > MAX_KEY_BYTES) {
    throw new RangeError(`S3 object key must be 1..${MAX_KEY_BYTES} UTF-8 bytes, got ${keyBytes}`);
  }
  if (contentType.length === 0) throw new RangeError(`empty content type for ${key}`);
  // reject instead of letting S3 change them silently: a round trip must give back what was put
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name)) {
      throw new RangeError(`metadata name '${name}' on ${key}: use lowercase ASCII [a-z0-9._-]`);
    }
    if (!METADATA_VALUE.test(value)) {
      throw new RangeError(`metadata '${name}' on ${key}: value must be printable ASCII`);
    }
  }
}

/** NoSuchKey is "absent"; NoSuchBucket (also 404) is a configuration error and must surface. */
function isMissingObject(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  return (
    error instanceof S3ServiceException &&
    error.$metadata.httpStatusCode === 404 &&
    error.name !== 'NoSuchBucket'
  );
}

/**
 * The ObjectStore port on S3 (or an S3-compatible server). Keys are used as given, so the
 * deterministic staging keys make a retried put overwrite its own object. Every put requests
 * server-side encryption; bodies are sent with a CRC32 checksum (the SDK default), which S3 and
 * S3Proxy both verify, so a corrupted upload fails with BadDigest instead of being stored.
 */
export class S3ObjectStore implements ObjectStore {
  /** exposed for instrumentation (tests add a middleware that records outgoing headers) */
  readonly client: S3Client;
  readonly bucket: string;
  private readonly encryption: S3Encryption;
  private readonly requireConfirmation: boolean;
  private readonly description: S3StoreDescription;
  private readonly region: string;
  readonly policy: DependencyPolicy;

  constructor(config: S3ObjectStoreConfig) {
    const settings: PolicySettings = {
      ...S3_POLICY,
      ...(config.maxAttempts !== undefined ? { attempts: config.maxAttempts } : {}),
      ...(config.requestTimeoutMs !== undefined
        ? { attemptTimeoutMs: config.requestTimeoutMs }
        : {}),
    };
    this.policy = dependencyPolicy('object store', settings, { isTransient });
    this.bucket = config.bucket;
    this.region = config.region;
    this.encryption = config.encryption ?? { mode: 'AES256' };
    if (this.encryption.mode === 'aws:kms' && this.encryption.kmsKeyId.trim() === '') {
      throw new RangeError('SSE-KMS needs a key id (S3_SSE_KMS_KEY_ID)');
    }
    this.requireConfirmation = config.requireEncryptionConfirmation ?? false;
    this.description = describeS3Config(config);
    // credentials go to the SDK only; the store keeps no copy that a log line could print
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
      ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
      // retries are the policy's: one SDK attempt per policy attempt
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: Math.min(
          config.connectionTimeoutMs ?? CONNECT_TIMEOUT_MS,
          settings.attemptTimeoutMs,
        ),
        requestTimeout: settings.attemptTimeoutMs,
        // without this the SDK only warns when requestTimeout passes, and a stalled upload hangs
        throwOnRequestTimeout: true,
        // keepAlive as the SDK's own agent has it; the CA replaces Node's bundle for this client only
        ...(config.caFile
          ? { httpsAgent: { keepAlive: true, ca: [readFileSync(config.caFile, 'utf8')] } }
          : {}),
      },
    });
  }

  /** `s3://bucket/key`, as a Redshift COPY manifest names staged objects. */
  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Safe to log: endpoint, bucket, encryption; never the credentials. */
  describe(): S3StoreDescription {
    return this.description;
  }

  toJSON(): S3StoreDescription {
    return this.description;
  }

  /** Creates the bucket when it does not exist; safe to call from every instance at start. */
  async ensureBucket(): Promise<void> {
    try {
      await this.send((abortSignal) =>
        this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal }),
      );
      return;
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : 0;
      if (status !== 404) throw error; // 403: it exists and is not ours to use - do not mask that
    }
    try {
      const create = new CreateBucketCommand({
        Bucket: this.bucket,
        // us-east-1 is the one region that rejects an explicit location constraint
        ...(this.region === 'us-east-1'
          ? {}
          : {
              CreateBucketConfiguration: {
                LocationConstraint: this.region as BucketLocationConstraint,
              },
            }),
      });
      await this.send((abortSignal) => this.client.send(create, { abortSignal }));
    } catch (error) {
      // another instance created it between our HEAD and CREATE
      if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
      throw error;
    }
  }

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    checkPut(key, contentType, metadata);
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: contentType,
      Metadata: { ...metadata },
      ServerSideEncryption: this.encryption.mode,
      ...(this.encryption.mode === 'aws:kms' ? { SSEKMSKeyId: this.encryption.kmsKeyId } : {}),
    };
    const out = await this.send((abortSignal) =>
      this.client.send(new PutObjectCommand(input), { abortSignal }),
    );
    const applied = out.ServerSideEncryption;
    if (applied !== undefined && applied !== this.encryption.mode) {
      throw new Error(
        `s3://${this.bucket}/${key} was stored with ${applied}, not the requested ` +
          `${this.encryption.mode}: check the bucket's default encryption and policy`,
      );
    }
    if (applied === undefined && this.requireConfirmation) {
      throw new Error(
        `s3://${this.bucket}/${key}: the server did not confirm server-side encryption ` +
          `(${this.encryption.mode}); is this an S3-compatible server without SSE support?`,
      );
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      return await this.send(async (abortSignal) => {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key }),
          { abortSignal },
        );
        // transformToByteArray gives fresh bytes per call: a caller's mutation cannot reach a cache
        const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        return {
          key,
          body,
          contentType: out.ContentType ?? 'application/octet-stream',
          metadata: { ...(out.Metadata ?? {}) },
        };
      });
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // a page that fails is retried with the whole listing: pages have no idempotent resume
    return this.send(() => this.listOnce(prefix));
  }

  private async listOnce(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    // the paginator follows NextContinuationToken; S3 pages hold at most 1,000 keys
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: 1000 },
      { Bucket: this.bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    // S3 orders by UTF-8 bytes, JS by UTF-16 units; sort so every store orders keys the same way.
    // Unique: S3Proxy's encrypted blob store repeats the last key of a page on the next one.
    return [...new Set(keys)].sort();
  }

  /** One S3 call under the policy; the signal aborts the SDK request at the attempt timeout. */
  private send<T>(call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.policy.execute(call);
  }

  /** Closes pooled sockets so a test run or a stopping service exits promptly. */
  close(): void {
    this.client.destroy();
  }
}
