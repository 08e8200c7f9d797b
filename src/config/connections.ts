import type { KafkaConnection } from '../../adapters/kafka/kafka-client';
import type { S3ObjectStoreConfig } from '../../adapters/s3/s3-object-store';
import type { RegistryConnection } from '../../adapters/schema-registry/confluent-schema-registry';
import type { OpenLineageHttpConfig } from '../lineage/http-sink';
import type { Env } from './config';
import { tlsSettingGaps } from './tls-settings';

/** Connection settings built from the checked environment, and the pairs that only make sense together. */

/** Settings the real profile cannot run without, and pairs that only make sense together. */
export function realProfileGaps(e: Env): string[] {
  const gaps: string[] = [];
  if (e.ADX_PROFILE === 'real') {
    if (!e.KAFKA_BROKERS) gaps.push('KAFKA_BROKERS: required when ADX_PROFILE=real');
    if (!e.SCHEMA_REGISTRY_URL) gaps.push('SCHEMA_REGISTRY_URL: required when ADX_PROFILE=real');
    if (!e.ADX_PSEUDONYMIZATION_KEY && !e.ADX_PSEUDONYMIZATION_KEYS)
      gaps.push(
        'ADX_PSEUDONYMIZATION_KEY or ADX_PSEUDONYMIZATION_KEYS: required when ADX_PROFILE=real (pseudonyms must survive restarts)',
      );
  }
  if (e.ADX_PSEUDONYMIZATION_KEY && e.ADX_PSEUDONYMIZATION_KEYS)
    gaps.push(
      'ADX_PSEUDONYMIZATION_KEY, ADX_PSEUDONYMIZATION_KEYS: set one; with key rotation, ADX_PSEUDONYMIZATION_KEYS alone (the single key is k1 there)',
    );
  if (e.S3_SSE === 'aws:kms' && !e.S3_SSE_KMS_KEY_ID)
    gaps.push('S3_SSE_KMS_KEY_ID: required with S3_SSE=aws:kms');
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    gaps.push(
      'S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither to use the default credential chain',
    );
  }
  if (e.ADX_WAREHOUSE === 'postgres' && !e.DATABASE_URL)
    gaps.push('DATABASE_URL: required with ADX_WAREHOUSE=postgres');
  if (e.KAFKA_SASL_MECHANISM && (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD)) {
    gaps.push('KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
  }
  if (Boolean(e.KAFKA_SSL_CERT_FILE) !== Boolean(e.KAFKA_SSL_KEY_FILE)) {
    gaps.push('KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE: a client certificate needs both');
  }
  gaps.push(...tlsSettingGaps(e));
  const droppedPath = openLineagePathDropped(e);
  if (droppedPath) {
    gaps.push(
      `ADX_OPENLINEAGE_URL: its path ${droppedPath} would be replaced by ADX_OPENLINEAGE_ENDPOINT ` +
        `(resolved like a link, as the OpenLineage Python client does); end the URL with / to keep the path, ` +
        `or give the whole path in ADX_OPENLINEAGE_ENDPOINT`,
    );
  }
  return gaps;
}

export function kafkaConnection(e: Env): KafkaConnection & { groupId: string } {
  return {
    brokers: (e.KAFKA_BROKERS ?? '').split(','),
    clientId: e.KAFKA_CLIENT_ID,
    groupId: e.KAFKA_GROUP_ID,
    ...(e.KAFKA_SSL === 'true'
      ? {
          ssl: {
            rejectUnauthorized: e.KAFKA_SSL_REJECT_UNAUTHORIZED === 'true',
            ...(e.KAFKA_SSL_CA_FILE ? { caFile: e.KAFKA_SSL_CA_FILE } : {}),
            ...(e.KAFKA_SSL_CERT_FILE ? { certFile: e.KAFKA_SSL_CERT_FILE } : {}),
            ...(e.KAFKA_SSL_KEY_FILE ? { keyFile: e.KAFKA_SSL_KEY_FILE } : {}),
          },
        }
      : {}),
    ...(e.KAFKA_SASL_MECHANISM
      ? {
          sasl: {
            mechanism: e.KAFKA_SASL_MECHANISM,
            username: e.KAFKA_SASL_USERNAME ?? '',
            password: e.KAFKA_SASL_PASSWORD ?? '',
          },
        }
      : {}),
  };
}

export function registryConnection(e: Env): RegistryConnection {
  return {
    url: (e.SCHEMA_REGISTRY_URL ?? '').replace(/\/+$/, ''),
    ...(e.SCHEMA_REGISTRY_USERNAME
      ? { username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD ?? '' }
      : {}),
  };
}

export function s3Config(e: Env): S3ObjectStoreConfig {
  return {
    bucket: e.S3_BUCKET ?? '',
    region: e.S3_REGION,
    ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
    forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
    ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? {
          credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY },
        }
      : {}),
    encryption:
      e.S3_SSE === 'aws:kms'
        ? { mode: 'aws:kms', kmsKeyId: e.S3_SSE_KMS_KEY_ID ?? '' }
        : { mode: 'AES256' },
    requireEncryptionConfirmation: e.S3_REQUIRE_SSE_CONFIRMATION === 'true',
    ...(e.S3_CA_FILE ? { caFile: e.S3_CA_FILE } : {}),
  };
}

/**
 * OpenLineage resolves the endpoint against the URL like a link, so a relative endpoint replaces
 * the URL's last path segment: http://gw/ol + api/v1/lineage posts to http://gw/api/v1/lineage.
 * Nobody means that, so it is refused at start rather than posted to the wrong place.
 */
function openLineagePathDropped(e: Env): string | undefined {
  if (!e.ADX_OPENLINEAGE_URL || e.ADX_OPENLINEAGE_ENDPOINT.startsWith('/')) return undefined;
  const path = new URL(e.ADX_OPENLINEAGE_URL).pathname;
  return path !== '/' && !path.endsWith('/') ? path : undefined;
}

export function openLineageHttp(e: Env): OpenLineageHttpConfig {
  return {
    url: e.ADX_OPENLINEAGE_URL ?? '',
    endpoint: e.ADX_OPENLINEAGE_ENDPOINT,
    ...(e.ADX_OPENLINEAGE_API_KEY ? { apiKey: e.ADX_OPENLINEAGE_API_KEY } : {}),
    timeoutMs: e.ADX_OPENLINEAGE_TIMEOUT_MS,
    breaker: {
      failures: e.ADX_OPENLINEAGE_BREAKER_FAILURES,
      cooldownMs: e.ADX_OPENLINEAGE_BREAKER_COOLDOWN,
    },
  };
}
