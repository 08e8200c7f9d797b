/**
 * No secret reaches a log. The built service runs with every secret it reads set to a marker
 * value, against dependencies that make it fail in each way a secret could leak through: a bad
 * configuration (each secret-bearing variable given a wrong value), a registry that is down, a
 * broker that refuses SASL, an S3 server refusing the credentials, an OpenLineage consumer that
 * cannot be reached, a database URL with a password. Then every byte it printed is searched for
 * the markers, also in the encodings a secret travels in (Basic auth base64, URL-encoded).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { produce } from '../../src/cli/produce';
import { dropRun } from '../support/kafka-topics-io';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { S3_TEST, uniqueBucket } from '../support/s3';
import { requireStack, STACK, testKafka, uniqueRunName } from '../support/stack';
import { realConfig, realEnv } from './support/real-service';

const ROOT = join(__dirname, '..', '..');
const MARK = {
  kafkaUser: 'mkKafkaUser7f3a',
  kafkaPassword: 'mkKafkaPass91c2',
  registryUser: 'mkRegUser4d1e',
  registryPassword: 'mkRegPass8b0f',
  s3Key: 'MKS3KEYID5A7C',
  s3Secret: 'mkS3Secret2e9d',
  lineageKey: 'mkLineageKey6c3b',
  databasePassword: 'mkDbPass0a8e',
  // hex, as the variable must be
  pseudonymKey: 'c0ffee5ecc0de'.repeat(3) + 'abcdef0123456789abcdef01234567',
} as const;

/** each marker, and the forms it travels in on the wire */
function forms(): string[] {
  const plain = Object.values(MARK);
  return [
    ...plain,
    ...plain.map((m) => m.toLowerCase()),
    Buffer.from(`${MARK.registryUser}:${MARK.registryPassword}`).toString('base64'),
    Buffer.from(`${MARK.kafkaUser}:${MARK.kafkaPassword}`).toString('base64'),
  ];
}

const prefix = `${uniqueRunName('it-secrets')}.`;
const kafka = testKafka();
let database: TestDatabase;
/** a port that refuses connections: nothing listens on it */
let closedPort = 0;

beforeAll(async () => {
  await requireStack();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  database = await createTestDatabase('secrets', { migrated: true });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  await produce(realConfig(prefix), { count: 3000, seed: 5 });
}, 300_000);

afterAll(async () => {
  await dropRun(kafka, prefix);
  await database?.drop();
});

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** every secret the service reads, as markers */
function secrets(): Record<string, string> {
  return {
    SCHEMA_REGISTRY_USERNAME: MARK.registryUser,
    SCHEMA_REGISTRY_PASSWORD: MARK.registryPassword,
    S3_ACCESS_KEY_ID: MARK.s3Key,
    S3_SECRET_ACCESS_KEY: MARK.s3Secret,
    ADX_OPENLINEAGE_API_KEY: MARK.lineageKey,
    ADX_PSEUDONYMIZATION_KEY: MARK.pseudonymKey,
    DATABASE_URL: withPassword(database.url, MARK.databasePassword),
  };
}

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/**
 * `adx serve` with this environment until it exits (or 90 s, then SIGKILL); with `until`, it is
 * sent SIGTERM once its output matches
 */
function serve(env: Record<string, string>, until?: RegExp): Promise<Run> {
  const proc = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'serve'], {
    cwd: ROOT,
    // nothing from the test's environment but PATH and the like: the run's own settings only
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => {
    output += c.toString();
    if (until?.test(output)) proc.kill('SIGTERM');
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    }),
  );
}

function expectNoMarker(run: Run): void {
  const found = forms().filter((m) => run.output.includes(m));
  expect({ found, tail: found.length ? run.output.slice(-2000) : '' }).toEqual({
    found: [],
    tail: '',
  });
}

it('refuses each secret-bearing variable given a bad value without echoing it (exit 2)', async () => {
  const bad: Record<string, string>[] = [
    { SCHEMA_REGISTRY_URL: `http://${MARK.registryUser}:${MARK.registryPassword}@127.0.0.1:1` },
    { S3_ENDPOINT: `http://${MARK.s3Key}:${MARK.s3Secret}@127.0.0.1:1` },
    { ADX_OPENLINEAGE_URL: `http://u:${MARK.lineageKey}@127.0.0.1:1` },
    { KAFKA_BROKERS: `${MARK.kafkaUser}:${MARK.kafkaPassword}@127.0.0.1:9092` },
    { ADX_OPENLINEAGE_API_KEY: `${MARK.lineageKey} with spaces` },
    { ADX_PSEUDONYMIZATION_KEY: `${MARK.pseudonymKey}-not-hex` },
    { DATABASE_URL: `mysql://root:${MARK.databasePassword}@127.0.0.1/x` },
  ];
  for (const variable of bad) {
    const run = await serve({ ...realEnv(prefix), ...variable });
    expect({ variable: Object.keys(variable)[0], code: run.code }).toEqual({
      variable: Object.keys(variable)[0],
      code: 2,
    });
    expect(run.output).toContain(Object.keys(variable)[0] as string);
    expectNoMarker(run);
  }
}, 300_000);

it('prints no secret when the registry is down at start (the service waits for it)', async () => {
  const run = await serve(
    {
      ...realEnv(prefix),
      ...secrets(),
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${closedPort}/apis/ccompat/v7`,
    },
    /dependency down: waiting it out/,
  );
  expect(run.output).toMatch(/dependency down: waiting it out.*schema registry.*ECONNREFUSED/);
  expectNoMarker(run);
}, 120_000);

it('prints no secret when the broker refuses SASL', async () => {
  const run = await serve({
    ...realEnv(prefix),
    ...secrets(),
    KAFKA_SASL_MECHANISM: 'plain',
    KAFKA_SASL_USERNAME: MARK.kafkaUser,
    KAFKA_SASL_PASSWORD: MARK.kafkaPassword,
  });
  expect(run.code).not.toBe(0);
  expectNoMarker(run);
}, 120_000);

it('prints no secret when S3 refuses the credentials, OpenLineage is unreachable and the database URL has a password', async () => {
  const run = await serve({
    ...realEnv(prefix, { ADX_WAREHOUSE: 'postgres' }),
    ...secrets(),
    ADX_WAREHOUSE: 'postgres',
    S3_BUCKET: uniqueBucket('it-secrets'),
    S3_ENDPOINT: S3_TEST.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    ADX_OPENLINEAGE_URL: `http://127.0.0.1:${closedPort}`,
    ADX_OPENLINEAGE_TIMEOUT_MS: '1000',
    SCHEMA_REGISTRY_URL: STACK.registryUrl,
  });
  // the staging bucket cannot be used with those credentials (S3Proxy answers a bare 403, which
  // the SDK calls UnknownError): the service stops
  expect(run.code).not.toBe(0);
  expect(run.output.slice(-3000)).toMatch(/UnknownError|SignatureDoesNotMatch|403|AccessDenied/);
  expectNoMarker(run);
}, 180_000);

it('prints no secret while it runs with OpenLineage unreachable and errors logged per batch', async () => {
  const run = await serve(
    {
      ...realEnv(prefix, { ADX_WAREHOUSE: 'postgres' }),
      ...secrets(),
      // S3 must work here, so the batches get as far as lineage: the stack's own keys
      S3_ACCESS_KEY_ID: S3_TEST.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST.secretAccessKey,
      S3_BUCKET: uniqueBucket('it-secrets-ol'),
      S3_ENDPOINT: S3_TEST.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      ADX_OPENLINEAGE_URL: `http://127.0.0.1:${closedPort}`,
      ADX_OPENLINEAGE_TIMEOUT_MS: '1000',
    },
    /OpenLineage event not exported[\s\S]*OpenLineage event not exported/,
  );
  expect(run.output).toContain('OpenLineage event not exported');
  expectNoMarker(run);
}, 180_000);
