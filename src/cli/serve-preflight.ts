import { ConfigError } from '../config/config-error';
import type { AppConfig } from '../config/config';
import { assertCanListen } from '../http/port-check';
import { describePgliteDirState, pgliteDirState } from './pglite-dir';

/**
 * What `adx serve` checks before any start-up work (container, state, Kafka): that its ops port
 * is free and that ADX_PGLITE_DIR can hold the embedded database. Each problem is a ConfigError
 * naming the variable, so a second `serve` fails in milliseconds, not after a full start.
 */
export async function checkServeCanStart(config: AppConfig): Promise<void> {
  await assertCanListen(config.http.host, config.http.port);
  const { kind, pgliteDir } = config.warehouse;
  if (kind !== 'pglite' || pgliteDir === undefined) return;
  const state = pgliteDirState(pgliteDir);
  // PGlite creates a missing directory, not its parents; an existing one must be its own
  if (state !== 'database' && state !== 'empty' && state !== 'missing')
    throw new ConfigError(
      `ADX_PGLITE_DIR=${pgliteDir}: ${describePgliteDirState(pgliteDir, state)}. ` +
        'Give a new or existing database directory whose parent exists.',
    );
}
