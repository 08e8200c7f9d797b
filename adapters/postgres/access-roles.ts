import type { Knex } from 'knex';
import { scramSha256Verifier } from './scram-verifier';

/**
 * Logins for the warehouse's three access roles, and the owner that migrates it. Roles are
 * cluster-wide, and several databases (other engineers' tests, other instances) create the same
 * ones at the same time, so every statement is idempotent and retried on the errors a concurrent
 * twin causes (duplicate role, "tuple concurrently updated", a deadlock on the catalog).
 */
export const GROUP_ROLES = {
  loader: 'adx_loader',
  analyst: 'adx_analyst',
  auditor: 'adx_auditor',
} as const;
export type AccessGroup = keyof typeof GROUP_ROLES;
/** `owner`: owns (and migrates) the schema; a member of adx_loader, since 004 hands it views */
export type LoginKind = AccessGroup | 'owner';
export const LOGIN_KINDS: readonly LoginKind[] = ['loader', 'analyst', 'auditor', 'owner'];

export interface LoginSpec {
  /** lower-case identifier, e.g. adx_service */
  readonly login: string;
  readonly kind: LoginKind;
  /** sent as a SCRAM-SHA-256 verifier, never in clear; absent: the password is left as it is */
  readonly password?: string;
}

export interface LoginDescription {
  readonly login: string;
  readonly superuser: boolean;
  /** CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS */
  readonly elevated: readonly string[];
  /** roles it is directly a member of, sorted */
  readonly memberOf: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** duplicate_object, unique_violation, internal error (tuple concurrently updated), deadlock, serialization */
const RACE_CODES = new Set(['42710', '23505', 'XX000', '40P01', '40001']);

async function raced<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!RACE_CODES.has(code) || attempt >= 6) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}

const createRole = (role: string, options: string) => `
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE ${role} ${options};
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- created by a concurrent twin
END
$do$;`;

/** The three NOLOGIN group roles (as migration 001 creates them). */
export async function ensureGroupRoles(knex: Knex): Promise<void> {
  for (const role of Object.values(GROUP_ROLES))
    await raced(() => knex.raw(createRole(role, 'NOLOGIN')));
}

/** Who `login` is (default: the session's user): superuser, elevated attributes, memberships. */
export async function describeLogin(knex: Knex, login?: string): Promise<LoginDescription> {
  const { rows } = (await knex.raw(
    `SELECT r.rolname AS login, r.rolsuper AS superuser,
            array_remove(ARRAY[
              CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,
              CASE WHEN r.rolreplication THEN 'REPLICATION' END, CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END
            ], NULL) AS elevated,
            coalesce((SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m
                        JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '{}') AS member_of
       FROM pg_roles r WHERE r.rolname = coalesce(?, current_user)`,
    [login ?? null],
  )) as {
    rows: { login: string; superuser: boolean; elevated: string[]; member_of: string[] }[];
  };
  const row = rows[0];
  if (!row) throw new Error(`no role named ${login}`);
  return {
    login: row.login,
    superuser: row.superuser,
    elevated: row.elevated,
    memberOf: row.member_of,
  };
}

/** What the session's user may do to the schema itself: own (drop, alter) or create objects. */
export async function schemaPowers(knex: Knex): Promise<{ owns: boolean; creates: boolean }> {
  const { rows } = (await knex.raw(
    `SELECT EXISTS (SELECT 1 FROM pg_class
                     WHERE relnamespace = current_schema()::regnamespace
                       AND pg_has_role(current_user, relowner, 'USAGE')) AS owns,
            has_schema_privilege(current_schema(), 'CREATE') AS creates`,
  )) as { rows: { owns: boolean; creates: boolean }[] };
  return rows[0] ?? { owns: false, creates: false };
}

/**
 * Creates or updates a login so it is a member of exactly the group its kind names (other adx_*
 * memberships are revoked) and has no elevated attribute. For `owner`, also USAGE and CREATE (with
 * grant option, so migrations can grant them on) on the schema of this connection. Needs a
 * session with CREATEROLE (and for `owner`, ownership of the schema); refuses to change itself.
 */
export async function ensureLogin(knex: Knex, spec: LoginSpec): Promise<LoginDescription> {
  if (!IDENTIFIER.test(spec.login))
    throw new Error(`login '${spec.login}': use a lower-case identifier ([a-z_][a-z0-9_]*)`);
  if ((Object.values(GROUP_ROLES) as string[]).includes(spec.login))
    throw new Error(`${spec.login} is a group role; logins are members of it`);
  const self = await describeLogin(knex);
  if (self.login === spec.login)
    throw new Error(`refusing to change the session's own role ${spec.login}`);
  await ensureGroupRoles(knex);
  await raced(() => knex.raw(createRole(spec.login, 'LOGIN')));
  const password =
    spec.password !== undefined ? ` PASSWORD '${scramSha256Verifier(spec.password)}'` : '';
  await raced(() =>
    knex.raw(
      `ALTER ROLE ${spec.login} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${password}`,
    ),
  );
  const wanted = GROUP_ROLES[spec.kind === 'owner' ? 'loader' : spec.kind];
  const { memberOf } = await describeLogin(knex, spec.login);
  for (const group of Object.values(GROUP_ROLES)) {
    if (group !== wanted && memberOf.includes(group))
      await raced(() => knex.raw(`REVOKE ${group} FROM ${spec.login}`));
  }
  if (!memberOf.includes(wanted)) await raced(() => knex.raw(`GRANT ${wanted} TO ${spec.login}`));
  if (spec.kind === 'owner') {
    const { rows } = (await knex.raw('SELECT quote_ident(current_schema()) AS schema')) as {
      rows: { schema: string }[];
    };
    await raced(() =>
      knex.raw(
        `GRANT USAGE, CREATE ON SCHEMA ${rows[0]?.schema ?? 'public'} TO ${spec.login} WITH GRANT OPTION`,
      ),
    );
  }
  return describeLogin(knex, spec.login);
}
