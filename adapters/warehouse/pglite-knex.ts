import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { knexLog } from '../postgres/knex-log';
import { PGLITE_BYTEA } from './pglite-bytea';
import { registerPglite } from './pglite-probe';

export interface PgliteOptions {
  /** directory of the database files; absent: in memory, gone when closed */
  readonly dataDir?: string;
  /** where knex's own warnings go (default: stderr) */
  readonly log?: Knex.Logger;
}

/**
 * PGlite ships a CommonJS build, so a plain import works here and in dist/. Inside, it loads Node
 * built-ins and its WASM with dynamic import(), which jest's module sandbox only allows when Node
 * runs with --experimental-vm-modules; without it PGlite dies with an unhandled rejection deep in
 * its start-up. Say so up front instead. (JEST_WORKER_ID is set by jest in every test process.)
 */
function assertDynamicImportAvailable(): void {
  const underJest = process.env.JEST_WORKER_ID !== undefined;
  const flags = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (underJest && !flags.includes('--experimental-vm-modules')) {
    throw new Error(
      'PGlite under jest needs NODE_OPTIONS=--experimental-vm-modules (its WASM loader uses import())',
    );
  }
}

/**
 * knex on PGlite, the embedded Postgres (WASM, one connection). The instance is created here (not
 * by the dialect) so that it is ready before knex first asks for it. knex.destroy() closes it.
 */
export async function openPgliteKnex(options: PgliteOptions = {}): Promise<Knex> {
  assertDynamicImportAvailable();
  const pglite = new PGlite({
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...PGLITE_BYTEA,
  });
  await pglite.waitReady;
  registerPglite(pglite);
  return knexFactory({
    client: ClientPgLite,
    dialect: 'postgres',
    log: options.log ?? knexLog(),
    // the dialect's documented way to hand it an instance; its typings only know connection objects
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
  });
}

/** Whether a raw knex connection is PGlite's (the one connection), as opposed to a pg client. */
export function isPglite(connection: unknown): connection is PGlite {
  return connection instanceof PGlite;
}
