/**
 * TLS settings are checked at start (files readable, a CA only where TLS is on, a known sslmode),
 * libpq's PGSSL* variables reach DATABASE_URL, and failures seen on the real endpoints (the
 * integration suites produce them for real) are classified into the variable to fix.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaConnectionProblem } from '../../adapters/kafka/kafka-connection-check';
import { tlsFailureOf } from '../../adapters/system/tls-failure';
import { loadConfig } from '../../src/config/config';
import { databaseSettingsProblem, s3SettingsProblem } from '../../src/config/connection-problems';
import { configRejection } from '../support/config';

const dir = mkdtempSync(join(tmpdir(), 'adx-tls-'));
const CA = join(dir, 'ca.crt');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
const MISSING = join(dir, 'missing.crt');
const PG = 'postgresql://svc:s3cret@db.example.com:5432/adx';

describe('TLS settings at start', () => {
  it('refuses certificate files that cannot be read, naming the variable', () => {
    expect(configRejection({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: MISSING })).toContain(
      `KAFKA_SSL_CA_FILE: cannot read ${MISSING} (ENOENT)`,
    );
    expect(configRejection({ S3_CA_FILE: MISSING })).toContain('S3_CA_FILE: cannot read');
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: CA })).not.toThrow();
  });

  it('refuses a Kafka CA without KAFKA_SSL=true, and an S3 CA for an http endpoint', () => {
    expect(configRejection({ KAFKA_SSL_CA_FILE: CA })).toContain(
      'KAFKA_SSL: KAFKA_SSL_CA_FILE set, but KAFKA_SSL is not true',
    );
    expect(configRejection({ S3_CA_FILE: CA, S3_ENDPOINT: 'http://127.0.0.1:9000' })).toContain(
      'S3_CA_FILE: set, but S3_ENDPOINT is not an https:// URL',
    );
  });

  it('passes S3_CA_FILE to the object store', () => {
    const config = loadConfig({
      S3_BUCKET: 'adx-x',
      S3_ENDPOINT: 'https://s3.local',
      S3_CA_FILE: CA,
    });
    expect(config.s3?.caFile).toBe(CA);
  });

  it("checks DATABASE_URL's sslmode and certificate files without printing the URL", () => {
    const badMode = configRejection({ DATABASE_URL: `${PG}?sslmode=verify_full` });
    expect(badMode).toContain('DATABASE_URL (sslmode): expected one of disable, prefer, require');
    const missing = configRejection({
      DATABASE_URL: `${PG}?sslmode=verify-full&sslrootcert=${MISSING}`,
    });
    expect(missing).toContain(`DATABASE_URL (sslrootcert): cannot read ${MISSING}`);
    for (const message of [badMode, missing]) expect(message).not.toContain('s3cret');
  });

  it("copies libpq's PGSSL* variables into DATABASE_URL when it does not set them", () => {
    const url = (env: Record<string, string>) =>
      new URL(loadConfig({ DATABASE_URL: PG, ...env }).warehouse.databaseUrl ?? '');
    const withEnv = url({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: CA });
    expect(withEnv.searchParams.get('sslmode')).toBe('verify-full');
    expect(withEnv.searchParams.get('sslrootcert')).toBe(CA);
    expect(withEnv.password).toBe('s3cret');
    // the URL's own parameters win
    const own = new URL(
      loadConfig({ DATABASE_URL: `${PG}?sslmode=disable`, PGSSLMODE: 'verify-full' }).warehouse
        .databaseUrl ?? '',
    );
    expect(own.searchParams.getAll('sslmode')).toEqual(['disable']);
    expect(loadConfig({ DATABASE_URL: PG }).warehouse.databaseUrl).toBe(PG);
    expect(configRejection({ DATABASE_URL: PG, PGSSLROOTCERT: MISSING })).toContain(
      `PGSSLROOTCERT: cannot read ${MISSING}`,
    );
  });
});

/** errors as kafkajs, pg and the AWS SDK raise them on the local stack (see the integration suites) */
const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });
const retried = (cause: Error) =>
  Object.assign(new Error(`Connection error: ${cause.message}`), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    cause: Object.assign(new Error(cause.message), { name: 'KafkaJSConnectionError', cause }),
  });

describe('connection failures that name a setting', () => {
  it('classifies the TLS failures by their Node codes, however deep', () => {
    expect(
      tlsFailureOf(retried(tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate'))),
    ).toEqual({ failure: 'untrusted-certificate', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(tlsFailureOf(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', 'no'))?.failure).toBe(
      'certificate-name',
    );
    expect(tlsFailureOf(tlsError('CERT_HAS_EXPIRED', 'expired'))?.failure).toBe('certificate-date');
    expect(
      tlsFailureOf(
        tlsError(
          'ECONNRESET',
          'Client network socket disconnected before secure TLS connection was established',
        ),
      )?.failure,
    ).toBe('not-tls');
    expect(tlsFailureOf(tlsError('ECONNREFUSED', 'connect ECONNREFUSED'))).toBeUndefined();
  });

  it('classifies kafkajs failures: login, mechanism, closed connection; not an unreachable broker', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(kafkaConnectionProblem(sasl)).toEqual({ kind: 'authentication' });
    const mechanism = Object.assign(new Error('unsupported'), {
      name: 'KafkaJSProtocolError',
      type: 'UNSUPPORTED_SASL_MECHANISM',
    });
    expect(kafkaConnectionProblem(mechanism)).toEqual({ kind: 'sasl-mechanism' });
    const closed = Object.assign(new Error('Closed connection'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
    });
    expect(kafkaConnectionProblem(closed)).toEqual({ kind: 'closed' });
    expect(
      kafkaConnectionProblem(retried(tlsError('ECONNREFUSED', 'connect ECONNREFUSED'))),
    ).toBeUndefined();
  });

  it('names S3_CA_FILE / S3_ENDPOINT and DATABASE_URL, never the URL itself', () => {
    const untrusted = tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in chain');
    expect(s3SettingsProblem(untrusted, 'https://s3.local')?.message).toContain('S3_CA_FILE:');
    expect(databaseSettingsProblem(untrusted)?.message).toContain(
      "DATABASE_URL: the server's certificate is not trusted",
    );
    const noTls = Object.assign(
      new Error('pg_hba.conf rejects connection for host "127.0.0.1", user "svc", no encryption'),
      { code: '28000' },
    );
    expect(databaseSettingsProblem(noTls)?.message).toContain('accepts only TLS connections');
    expect(databaseSettingsProblem(new Error('timeout'))).toBeUndefined();
  });
});

it('recognizes the TLS failures by their text when a wrapper dropped the code', () => {
  expect(tlsFailureOf(new Error('self-signed certificate in certificate chain'))).toEqual({
    failure: 'untrusted-certificate',
    code: 'SELF_SIGNED_CERT_IN_CHAIN',
  });
  expect(tlsFailureOf(new Error('unable to verify the first certificate'))?.failure).toBe(
    'untrusted-certificate',
  );
  expect(
    tlsFailureOf(new Error("Hostname/IP does not match certificate's altnames"))?.failure,
  ).toBe('certificate-name');
  expect(tlsFailureOf(new Error('socket hang up'))).toBeUndefined();
});
