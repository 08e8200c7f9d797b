/**
 * Logins for the access roles on the shared PostgreSQL server, where roles are cluster-wide and
 * other test runs create the same group roles at the same moment: ensureLogin and the migrations
 * are idempotent and safe when many sessions race; a login ends up a member of exactly its role,
 * without elevated attributes, its password stored as a SCRAM verifier.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import {
  describeLogin,
  ensureGroupRoles,
  ensureLogin,
  type LoginKind,
} from '../../adapters/postgres/access-roles';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../support/postgres';

const suffix = randomBytes(3).toString('hex');
const login = (name: string): string => `adx_it_${name}_${suffix}`;
const created = new Set<string>();
const pools: Knex[] = [];
const session = (url = TEST_POSTGRES_URL): Knex => {
  const knex = createPostgresKnex({ connectionString: url, poolMax: 1 });
  pools.push(knex);
  return knex;
};
const ensure = (knex: Knex, name: string, kind: LoginKind, password?: string) => {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !name.startsWith('adx_loader')) created.add(name);
  return ensureLogin(knex, { login: name, kind, ...(password ? { password } : {}) });
};

let admin: Knex;
beforeAll(() => {
  admin = session();
});

afterAll(async () => {
  // DROP OWNED first: an owner login holds privileges on this database's schema
  for (const name of created) {
    await admin.raw(`DROP OWNED BY ${name}`).catch(() => undefined);
    await admin.raw(`DROP ROLE IF EXISTS ${name}`);
  }
  await Promise.all(pools.map((k) => k.destroy()));
});

it('creates the same login from eight racing sessions, and eight others beside them', async () => {
  const shared = login('shared');
  const racers = Array.from({ length: 8 }, () => session());
  const results = await Promise.all(
    racers.flatMap((knex, i) => [
      ensure(knex, shared, 'loader'),
      ensure(knex, login(`own${i}`), i % 2 ? 'analyst' : 'auditor'),
      ensureGroupRoles(knex).then(() => undefined),
    ]),
  );
  expect(results.filter((r) => r !== undefined)).toHaveLength(16);
  expect(await describeLogin(admin, shared)).toEqual({
    login: shared,
    superuser: false,
    elevated: [],
    memberOf: ['adx_loader'],
  });
  for (let i = 0; i < 8; i++) {
    expect((await describeLogin(admin, login(`own${i}`))).memberOf).toEqual([
      i % 2 ? 'adx_analyst' : 'adx_auditor',
    ]);
  }
});

it('migrates three new databases at once (roles created or found, never a race error)', async () => {
  await ensureGroupRoles(admin);
  const databases: TestDatabase[] = await Promise.all(
    [1, 2, 3].map(() => createTestDatabase('access_race', { migrated: true })),
  );
  await Promise.all(databases.map((d) => d.drop()));
  expect(databases).toHaveLength(3);
});

it('keeps a login a member of exactly its role, and strips elevated attributes', async () => {
  const name = login('moves');
  await ensure(admin, name, 'analyst');
  await admin.raw(`ALTER ROLE ${name} CREATEDB CREATEROLE`);
  await admin.raw(`GRANT adx_auditor TO ${name}`);
  const after = await ensure(admin, name, 'loader');
  expect(after).toMatchObject({ superuser: false, elevated: [], memberOf: ['adx_loader'] });
  // again: nothing changes
  expect(await ensure(admin, name, 'loader')).toEqual(after);
  expect((await ensure(admin, name, 'owner')).memberOf).toEqual(['adx_loader']);
});

it('stores a SCRAM-SHA-256 verifier, never the password', async () => {
  const name = login('pw');
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await ensure(admin, name, 'auditor', password);
  const { rows } = await admin.raw<{ rows: { rolpassword: string }[] }>(
    'SELECT rolpassword FROM pg_authid WHERE rolname = ?',
    [name],
  );
  expect(rows[0]?.rolpassword).toMatch(
    /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
  );
  expect(rows[0]?.rolpassword).not.toContain(password);
  await expect(ensure(admin, login('short'), 'auditor', 'short')).rejects.toThrow(/at least 8/);
});

it('refuses group role names, bad identifiers and the session role itself', async () => {
  await expect(ensure(admin, 'adx_loader', 'loader')).rejects.toThrow(/group role/);
  await expect(ensure(admin, 'Robert"; DROP TABLE x; --', 'loader')).rejects.toThrow(/identifier/);
  const self = (await describeLogin(admin)).login;
  await expect(ensureLogin(admin, { login: self, kind: 'loader' })).rejects.toThrow(/own role/);
});
