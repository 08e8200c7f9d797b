import { mkdirSync } from 'node:fs';
import type { Knex } from 'knex';
import { appliedMigrations, pendingMigrations } from '../../migrations';
import { ConfigError } from '../config/config-error';
import type { AppConfig } from '../config/config';
import { databaseSettingsProblem } from '../config/connection-problems';
import { knexLog } from '../../adapters/postgres/knex-log';
import { debugWanted, messageOf } from './cli-failure';
import { describePgliteDirState, pgliteDirState } from './pglite-dir';

/**
 * The warehouse as the CLI commands open it: Postgres at DATABASE_URL, or the PGlite database in
 * ADX_PGLITE_DIR. Read commands never create or migrate one: a missing, unreachable or
 * unmigrated warehouse is a ConfigError (exit 2) naming the variable and the fix.
 */
export type WarehouseTarget =
  | { readonly kind: 'pglite'; readonly dir: string }
  | { readonly kind: 'postgres'; readonly url: string };

export function warehouseTarget(config: AppConfig, command: string): WarehouseTarget {
  const { kind, databaseUrl, pgliteDir } = config.warehouse;
  if (kind === 'pglite' && pgliteDir) return { kind: 'pglite', dir: pgliteDir };
  if (databaseUrl) return { kind: 'postgres', url: databaseUrl };
  throw new ConfigError(
    `no warehouse to read: set DATABASE_URL (Postgres) or ADX_PGLITE_DIR (the directory an ` +
      `\`adx serve\` with ADX_PGLITE_DIR wrote; with ADX_PROFILE=real also ADX_WAREHOUSE=pglite). ` +
      `${command} never reads an empty in-memory warehouse.`,
  );
}

/** Where a target is, for messages: never the password. */
export function describeTarget(target: WarehouseTarget): string {
  if (target.kind === 'pglite') return `ADX_PGLITE_DIR=${target.dir}`;
  try {
    const u = new URL(target.url);
    return `DATABASE_URL (${u.hostname}:${u.port || 5432}${u.pathname})`;
  } catch {
    return 'DATABASE_URL';
  }
}

export interface OpenOptions {
  /** `adx migrate up` only: create the PGlite directory (and its parents) when it is missing */
  readonly create?: boolean;
}

/** A knex on the target, checked to answer; a missing PGlite database is refused unless `create`. */
export function openWarehouse(target: WarehouseTarget, options: OpenOptions = {}): Promise<Knex> {
  return target.kind === 'pglite'
    ? openPglite(target, options.create ?? false)
    : openPostgres(target);
}

async function openPglite(
  target: Extract<WarehouseTarget, { kind: 'pglite' }>,
  create: boolean,
): Promise<Knex> {
  const state = pgliteDirState(target.dir);
  const creatable = state === 'missing' || state === 'missing-parent' || state === 'empty';
  if (state !== 'database' && !(create && creatable))
    throw new ConfigError(
      `${describeTarget(target)}: ${describePgliteDirState(target.dir, state)}, so there is no ` +
        'warehouse to read. Fix the path, or create one: `adx serve` with this variable fills ' +
        'it, `adx migrate up` makes an empty one.',
    );
  if (state !== 'database') mkdirSync(target.dir, { recursive: true });
  const { openPgliteKnex } = await import('../../adapters/warehouse/pglite-knex');
  try {
    return await openPgliteKnex({ dataDir: target.dir, log: knexLog({ quiet: !debugWanted() }) });
  } catch (error) {
    throw new Error(`${describeTarget(target)}: PGlite could not open it: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Tried at once, so a wrong or unreachable DATABASE_URL is named before any query. */
async function openPostgres(target: Extract<WarehouseTarget, { kind: 'postgres' }>) {
  const { createPostgresKnex } = await import('../../adapters/postgres/postgres-knex');
  // knex would log the connection error too; it is reported below, naming DATABASE_URL
  const log = knexLog({ quiet: !debugWanted() });
  // an operator's report, audit or migration over a large warehouse may rightly run for minutes:
  // the service's 30 s statement bound (sized for one batch's load) does not apply here
  const knex = createPostgresKnex({
    connectionString: target.url,
    poolMax: 2,
    log,
    timeouts: { statementMs: 0 },
  });
  try {
    await knex.raw('SELECT 1');
  } catch (error) {
    await knex.destroy();
    // a TLS or password problem names the URL parameter to fix, which says more than the code
    throw databaseSettingsProblem(error) ?? unreachable(target, error);
  }
  return knex;
}

/** Postgres said no: a ConfigError for what the user can fix, the error itself otherwise. */
function unreachable(target: WarehouseTarget, error: unknown): unknown {
  const where = describeTarget(target);
  const code = String((error as { code?: unknown }).code ?? '');
  const nested = error instanceof AggregateError ? (error.errors[0] as { code?: unknown }) : {};
  const netCode = code || String(nested?.code ?? '');
  if (netCode === '3D000')
    return new ConfigError(
      `${where}: that database does not exist. Create it (createdb), then run \`adx migrate up\`.`,
    );
  if (netCode === '28P01' || netCode === '28000')
    return new ConfigError(`${where}: Postgres refused the login: ${messageOf(error)}`);
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(netCode))
    return new ConfigError(
      `${where}: cannot connect (${netCode}). Is the server up, and the URL right?`,
    );
  return error;
}

/** Refuses a warehouse that was never migrated, or lacks migrations this code reads. */
export async function requireMigrated(knex: Knex, target: WarehouseTarget): Promise<void> {
  const applied = await appliedMigrations(knex);
  if (applied === undefined)
    throw new ConfigError(
      `${describeTarget(target)}: the warehouse was never migrated (no tables). ` +
        'Run `adx migrate up` with the same variables first.',
    );
  const pending = pendingMigrations(applied);
  if (pending.length > 0)
    throw new ConfigError(
      `${describeTarget(target)}: the warehouse lacks migrations ${pending.join(', ')}. ` +
        'Run `adx migrate up` with the same variables first.',
    );
}

/**
 * Open (never create), check it is migrated unless `migrated: false`, run `body`, close. A TLS or
 * login problem on the way is reported with the setting to fix.
 */
export async function withReadWarehouse<T>(
  config: AppConfig,
  command: string,
  body: (knex: Knex) => Promise<T>,
  options: { migrated?: boolean } = {},
): Promise<T> {
  const target = warehouseTarget(config, command);
  const knex = await openWarehouse(target);
  try {
    if (options.migrated !== false) await requireMigrated(knex, target);
    return await body(knex);
  } catch (error) {
    throw databaseSettingsProblem(error) ?? error;
  } finally {
    await knex.destroy();
  }
}
