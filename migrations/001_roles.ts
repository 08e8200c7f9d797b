import type { Knex } from 'knex';

/**
 * The three access roles. Roles are cluster-wide (shared by every database on the server), so they
 * are created idempotently and never dropped by `down`: another database may still grant to them.
 * NOLOGIN: people and services log in as their own roles and are granted one of these.
 */
export const ROLES = ['adx_loader', 'adx_analyst', 'adx_auditor'] as const;

const createRole = (role: string) => `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE ${role} NOLOGIN;
  END IF;
EXCEPTION
  -- two databases migrating at once: the other one created it between our check and our CREATE
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;`;

/** USAGE on whichever schema this database is migrated into (search_path decides, not a name). */
const schemaUsage = (verb: 'GRANT' | 'REVOKE') => `
DO $$
BEGIN
  EXECUTE format('${verb} USAGE ON SCHEMA %I ${verb === 'GRANT' ? 'TO' : 'FROM'} adx_loader, adx_analyst, adx_auditor', current_schema());
END
$$;`;

export async function up(knex: Knex): Promise<void> {
  for (const role of ROLES) await knex.raw(createRole(role));
  await knex.raw(schemaUsage('GRANT'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(schemaUsage('REVOKE'));
}
