import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The wire contracts live in contracts/ at the project root and are read at run time, so the
 * .avsc a test checks is the .avsc the service decodes with. The root is one level further up
 * when running the compiled copy under dist/.
 */
const CANDIDATE_ROOTS = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')];

export function contractPath(relativePath: string): string {
  for (const root of CANDIDATE_ROOTS) {
    const path = join(root, 'contracts', relativePath);
    if (existsSync(path)) return path;
  }
  throw new Error(`contract ${relativePath} not found under ${CANDIDATE_ROOTS.join(' or ')}`);
}

export function readContract(relativePath: string): string {
  return readFileSync(contractPath(relativePath), 'utf8');
}
