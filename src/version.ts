import { readFileSync } from 'node:fs';
import { contractsDir } from './contracts/contract-files';
import { join, dirname } from 'node:path';

/** package.json version, recorded in lineage so results can be tied to the code that made them. */
export const CODE_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(contractsDir()), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
