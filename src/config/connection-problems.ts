import {
  checkKafkaConnection,
  type KafkaConnectionProblem,
} from '../../adapters/kafka/kafka-connection-check';
import type { KafkaConnection } from '../../adapters/kafka/kafka-client';
import { causeChain, tlsFailureOf } from '../../adapters/system/tls-failure';
import { ConfigError } from './config';

/**
 * Connection failures that mean a setting is wrong, turned into a ConfigError (exit code 2) whose
 * message names the variable to fix. Anything else (a server that is down, a timeout) is left to
 * the caller's retries and errors. Messages never contain a password or a DATABASE_URL.
 */
const problem = (lines: string): ConfigError =>
  new ConfigError(`invalid configuration:\n  ${lines}`);

function kafkaMessage(p: KafkaConnectionProblem, kafka: KafkaConnection): string {
  const at = `the broker at ${kafka.brokers.join(',')}`;
  switch (p.kind) {
    case 'untrusted-certificate':
      return kafka.ssl?.caFile
        ? `KAFKA_SSL_CA_FILE: ${at} presents a certificate that the CA in ${kafka.ssl.caFile} did not sign (${p.code}); point KAFKA_SSL_CA_FILE at the CA that did`
        : `KAFKA_SSL_CA_FILE: ${at} presents a certificate from a CA this client does not trust (${p.code}); set KAFKA_SSL_CA_FILE to that CA's certificate (PEM)`;
    case 'certificate-name':
      return `KAFKA_BROKERS: ${at} presents a certificate for another host name (${p.code}); use a host name the certificate lists`;
    case 'certificate-date':
      return `KAFKA_SSL_CA_FILE: ${at} presents a certificate that is expired or not yet valid (${p.code}); renew it (locally: ops/stack.sh up)`;
    case 'not-tls':
      return `KAFKA_SSL: KAFKA_SSL=true, but ${at} does not speak TLS (${p.code}): set KAFKA_BROKERS to its TLS listener, or KAFKA_SSL=false for a plaintext one`;
    case 'closed':
      if (!kafka.ssl)
        return `KAFKA_SSL: ${at} closed the connection without answering, as a TLS listener does to a plaintext client: set KAFKA_SSL=true and KAFKA_SSL_CA_FILE`;
      if (!kafka.sasl)
        return `KAFKA_SASL_MECHANISM: ${at} closed the connection after the TLS handshake, as a SASL listener does to a client that does not log in: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
      return `KAFKA_BROKERS: ${at} closed the connection after the login; check that KAFKA_BROKERS names the listener these settings are for`;
    case 'authentication':
      return `KAFKA_SASL_PASSWORD: ${at} refused the ${kafka.sasl?.mechanism ?? 'SASL'} login of user '${kafka.sasl?.username ?? ''}': check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
    case 'sasl-mechanism':
      return `KAFKA_SASL_MECHANISM: ${at} does not offer ${kafka.sasl?.mechanism ?? 'this mechanism'} on this listener; use one it enables (the local stack: scram-sha-512)`;
  }
}

/** Fails fast, naming the variable, when the Kafka settings cannot work; see checkKafkaConnection. */
export async function assertKafkaSettings(kafka: KafkaConnection): Promise<void> {
  const p = await checkKafkaConnection(kafka);
  if (p) throw problem(kafkaMessage(p, kafka));
}

/** An S3 request failed: a ConfigError naming S3_CA_FILE / S3_ENDPOINT when TLS settings caused it. */
export function s3SettingsProblem(error: unknown, endpoint: string | undefined): Error | undefined {
  const tls = tlsFailureOf(error);
  if (!tls) return undefined;
  const at = `the S3 endpoint ${endpoint ?? '(AWS)'}`;
  switch (tls.failure) {
    case 'untrusted-certificate':
    case 'certificate-date':
      return problem(
        `S3_CA_FILE: ${at} presents a certificate this client does not trust (${tls.code}); set S3_CA_FILE to the CA's certificate (PEM)`,
      );
    case 'certificate-name':
      return problem(
        `S3_ENDPOINT: ${at} presents a certificate for another host name (${tls.code})`,
      );
    case 'not-tls':
      return problem(
        `S3_ENDPOINT: ${at} does not speak TLS (${tls.code}); use its https endpoint, or http:// for a plaintext one`,
      );
  }
}

/** A Postgres connection failed: a ConfigError naming DATABASE_URL's TLS parameters when they caused it. */
export function databaseSettingsProblem(error: unknown): Error | undefined {
  const tls = tlsFailureOf(error);
  if (tls?.failure === 'untrusted-certificate' || tls?.failure === 'certificate-date')
    return problem(
      `DATABASE_URL: the server's certificate is not trusted (${tls.code}); add sslrootcert=<CA file> to the URL (or set PGSSLROOTCERT)`,
    );
  if (tls?.failure === 'certificate-name')
    return problem(
      `DATABASE_URL: the server's certificate does not name the URL's host (${tls.code}); connect by a name it lists`,
    );
  if (tls?.failure === 'not-tls')
    return problem(
      'DATABASE_URL: the server does not offer TLS, but the URL asks for it (sslmode); enable ssl on the server or change sslmode',
    );
  for (const e of causeChain(error)) {
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.code === '28000' && /no encryption/.test(message))
      return problem(
        'DATABASE_URL: the server accepts only TLS connections; add sslmode=verify-full&sslrootcert=<CA file> to the URL',
      );
    if (e.code === '28P01')
      return problem(
        'DATABASE_URL: password authentication failed for its user; check the user and password in the URL',
      );
    // a login of the wrong role is a setting to fix, not a failure of the warehouse
    if (e.code === '42501')
      return problem(
        // knex puts the whole statement before Postgres' own words: only those are shown
        `DATABASE_URL: its login may not do this (${/permission denied.*$/.exec(message)?.[0] ?? 'permission denied'}); use a login with the role this command needs (README, "Access control")`,
      );
  }
  return undefined;
}
