/**
 * The stack's TLS-only PostgreSQL cluster: DATABASE_URL with sslmode=verify-full and the stack's CA
 * works (the session is encrypted, TLS 1.2+), and everything else is refused: no TLS (pg_hba
 * rejects it), TLS without the CA (the certificate is not trusted), a wrong password. The
 * commands turn each refusal into a message naming DATABASE_URL; libpq's PGSSLROOTCERT works too.
 */
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { migrate } from '../../src/cli/migrate-command';
import { ConfigError, loadConfig } from '../../src/config/config';
import { uniqueIdentifier } from '../support/postgres';
import { caFile, requireSecureStack, tlsAdminKnex, tlsDatabaseUrl } from '../support/secure-stack';

const database = uniqueIdentifier('adx_test_pg_tls');

async function withKnex<T>(url: string, work: (knex: Knex) => Promise<T>): Promise<T> {
  const knex = createPostgresKnex({ connectionString: url, poolMax: 1 });
  try {
    return await work(knex);
  } finally {
    await knex.destroy();
  }
}

const failureOf = (url: string): Promise<string> =>
  withKnex(url, (knex) => knex.raw('SELECT 1')).then(
    () => 'connected',
    (error: Error) => error.message,
  );

beforeAll(async () => {
  await requireSecureStack(['postgres']);
  const admin = tlsAdminKnex();
  try {
    await admin.raw(`CREATE DATABASE ${database}`);
  } finally {
    await admin.destroy();
  }
});

afterAll(async () => {
  const admin = tlsAdminKnex();
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
});

it('connects with sslmode=verify-full and the CA, over TLS 1.2 or newer', async () => {
  const ssl = await withKnex(tlsDatabaseUrl(database), async (knex) => {
    const { rows } = await knex.raw<{ rows: { ssl: boolean; version: string }[] }>(
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0];
  });
  expect(ssl?.ssl).toBe(true);
  expect(ssl?.version).toMatch(/^TLSv1\.[23]$/);
});

it('refuses a connection without TLS', async () => {
  expect(await failureOf(tlsDatabaseUrl(database, { sslmode: 'disable' }))).toMatch(
    /pg_hba\.conf rejects connection .* no encryption/,
  );
});

it('refuses TLS without the CA: the certificate is not trusted', async () => {
  expect(await failureOf(tlsDatabaseUrl(database, { rootCert: false }))).toMatch(
    // the server sends its certificate without the CA: Node cannot build any chain
    /unable to verify the first certificate/,
  );
});

it('refuses a wrong password', async () => {
  expect(await failureOf(tlsDatabaseUrl(database, { password: 'not-the-password' }))).toMatch(
    /password authentication failed/,
  );
});

describe('adx migrate names DATABASE_URL for each refusal', () => {
  const refusal = async (env: Record<string, string>): Promise<string> => {
    try {
      await migrate(loadConfig(env), 'status');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('migrate status succeeded');
  };

  it.each([
    ['no TLS', { sslmode: 'disable' }, 'DATABASE_URL: the server accepts only TLS connections'],
    ['no CA', { rootCert: false }, "DATABASE_URL: the server's certificate is not trusted"],
    [
      'a wrong password',
      { password: 'not-the-password' },
      'DATABASE_URL: password authentication failed',
    ],
  ] as const)('%s', async (_name, options, message) => {
    const text = await refusal({ DATABASE_URL: tlsDatabaseUrl(database, options) });
    expect(text).toContain(message);
    expect(text).not.toContain(new URL(tlsDatabaseUrl(database)).password);
  });

  it('and works with the CA given as libpq does it, in PGSSLROOTCERT', async () => {
    const url = tlsDatabaseUrl(database, { rootCert: false });
    const status = await migrate(
      loadConfig({ DATABASE_URL: url, PGSSLROOTCERT: caFile() }),
      'status',
    );
    expect(status).toContain('pending  001_roles');
  });
});
