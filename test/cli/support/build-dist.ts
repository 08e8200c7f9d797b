import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * jest globalSetup of the cli project: the suites run the built `adx` (dist/), so build it once,
 * before any of them starts. tsc's build mode skips the work when dist/ is up to date.
 */
export default function buildDist(): void {
  const root = join(__dirname, '..', '..', '..');
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
