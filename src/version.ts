import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { contractPath } from '../adapters/codecs/contract-files';

/** package.json version, recorded in lineage so results can be tied to the code that made them. */
export const CODE_VERSION: string = (() => {
  try {
    const root = dirname(dirname(contractPath('ad-events')));
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
