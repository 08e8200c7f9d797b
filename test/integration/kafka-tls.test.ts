/**
 * Kafka over TLS with SASL/SCRAM-SHA-512 (the stack's SASL_SSL listener): `adx produce` (the built
 * CLI) and the service send and consume only through it, and every accepted event is on ad_events.
 * A client without the CA, with a wrong password, in plaintext against the TLS port, in TLS against
 * the plaintext port or without a login is refused at start with exit code 2 and a message naming
 * the variable to fix.
 */
import { loadConfig } from '../../src/config/config';
import { serveReal } from '../../src/cli/serve-real';
import { buildCli, runAdx } from '../support/cli';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import { kafkaTlsEnv, requireSecureStack, tlsKafka } from '../support/secure-stack';
import { requireStack, STACK, TEST_PSEUDONYMIZATION_KEY, uniqueRunName } from '../support/stack';
import { realEnv, startService, waitUntilReceived } from './support/real-service';

const prefix = `${uniqueRunName('it-kafka-tls')}.`;
const COUNT = 3000;

/** what `adx produce` needs besides Kafka */
const produceEnv = (kafka: Record<string, string>): Record<string, string> => ({
  ADX_PROFILE: 'real',
  SCHEMA_REGISTRY_URL: STACK.registryUrl,
  ADX_PSEUDONYMIZATION_KEY: TEST_PSEUDONYMIZATION_KEY,
  ADX_TOPIC_PREFIX: prefix,
  ADX_SIM_USERS: '2000',
  ...kafka,
});

beforeAll(async () => {
  await requireSecureStack(['kafka']);
  await requireStack(['registry']);
  buildCli();
}, 240_000);

afterAll(() => dropRun(tlsKafka(), prefix));

it('adx produce and the service run over SASL_SSL, and ad_events holds every accepted event', async () => {
  const tls = kafkaTlsEnv();
  const produced = await runAdx(
    ['produce', '--count', String(COUNT), '--seed', '31', '--json'],
    produceEnv(tls),
  );
  expect(produced).toMatchObject({ code: 0 });
  const sent = JSON.parse(produced.stdout) as {
    produced: Record<string, number>;
    groundTruth: { records: number; duplicates: number };
  };
  expect(Object.values(sent.produced).reduce((a, b) => a + b, 0)).toBe(COUNT);

  // realEnv's plaintext broker is replaced by the TLS listener and its login
  const service = startService(loadConfig(realEnv(prefix, { ...tls, ADX_SIM_USERS: '2000' })));
  await waitUntilReceived([service], COUNT);
  const { service: served } = await service.stop();
  expect(served.totals.received).toBe(COUNT);
  expect(served.totals.duplicates).toBe(sent.groundTruth.duplicates);

  const adEvents = await readTopic(tlsKafka(), `${prefix}ad_events`);
  expect(adEvents).toHaveLength(served.totals.accepted);
  const deadLetters = await readTopic(tlsKafka(), `${prefix}ad_events.dlq`);
  expect(deadLetters).toHaveLength(served.totals.rejected);
});

describe('clients with wrong settings are refused, naming the variable to fix', () => {
  const plaintextBroker = STACK.brokers.join(',');
  const cases: [string, () => Record<string, string>, RegExp][] = [
    [
      'no CA for the broker certificate',
      () => {
        const { KAFKA_SSL_CA_FILE: _, ...rest } = kafkaTlsEnv();
        return rest;
      },
      /KAFKA_SSL_CA_FILE: the broker at .* from a CA this client does not trust \(SELF_SIGNED_CERT_IN_CHAIN\)/,
    ],
    [
      'a wrong password',
      () => ({ ...kafkaTlsEnv(), KAFKA_SASL_PASSWORD: 'not-the-password' }),
      /KAFKA_SASL_PASSWORD: the broker at .* refused the scram-sha-512 login of user 'adx-service'/,
    ],
    [
      'plaintext against the TLS port',
      () => {
        const { KAFKA_BROKERS } = kafkaTlsEnv();
        return { KAFKA_BROKERS: KAFKA_BROKERS as string };
      },
      /KAFKA_SSL: the broker at .* closed the connection without answering, as a TLS listener does/,
    ],
    [
      'TLS against the plaintext port',
      () => ({ ...kafkaTlsEnv(), KAFKA_BROKERS: plaintextBroker }),
      /KAFKA_SSL: KAFKA_SSL=true, but the broker at .* does not speak TLS/,
    ],
    [
      'TLS without a SASL login',
      () => {
        const {
          KAFKA_SASL_MECHANISM: _m,
          KAFKA_SASL_USERNAME: _u,
          KAFKA_SASL_PASSWORD: _p,
          ...rest
        } = kafkaTlsEnv();
        return rest;
      },
      /KAFKA_SASL_MECHANISM: the broker at .* closed the connection after the TLS handshake/,
    ],
    [
      'a mechanism the listener does not offer',
      () => ({ ...kafkaTlsEnv(), KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
      /KAFKA_SASL_MECHANISM: the broker at .* does not offer scram-sha-256/,
    ],
  ];

  it.each(cases)('adx produce with %s: exit 2', async (_name, env, message) => {
    const r = await runAdx(['produce', '--count', '10'], produceEnv(env()));
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain(kafkaTlsEnv().KAFKA_SASL_PASSWORD);
  });

  it('the service refuses to start with a wrong password, before touching anything', async () => {
    const config = loadConfig(
      realEnv(prefix, { ...kafkaTlsEnv(), KAFKA_SASL_PASSWORD: 'not-the-password' }),
    );
    await expect(serveReal(config, new AbortController().signal)).rejects.toThrow(
      /KAFKA_SASL_PASSWORD: the broker .* refused the scram-sha-512 login/,
    );
  });
});
