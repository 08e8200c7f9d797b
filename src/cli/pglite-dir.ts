import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What is at ADX_PGLITE_DIR, looked at before PGlite is started (which would create a database). */
export type PgliteDirState =
  'database' | 'missing' | 'missing-parent' | 'not-a-directory' | 'empty' | 'not-a-database';

export function pgliteDirState(dir: string): PgliteDirState {
  if (!existsSync(dir)) return existsSync(dirname(dir)) ? 'missing' : 'missing-parent';
  if (!statSync(dir).isDirectory()) return 'not-a-directory';
  if (existsSync(join(dir, 'PG_VERSION'))) return 'database';
  return readdirSync(dir).length === 0 ? 'empty' : 'not-a-database';
}

export function describePgliteDirState(dir: string, state: PgliteDirState): string {
  switch (state) {
    case 'database':
      return 'a PGlite database';
    case 'missing':
      return 'no such directory (a mistyped path?)';
    case 'missing-parent':
      return `no such directory, nor its parent ${dirname(dir)}`;
    case 'not-a-directory':
      return 'not a directory';
    case 'empty':
      return 'an empty directory';
    case 'not-a-database':
      return 'a directory that holds other files but no PGlite database (no PG_VERSION)';
  }
}
