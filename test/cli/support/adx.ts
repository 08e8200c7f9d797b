import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built `adx` binary, run as a user runs it (dist/ is built by the cli project's globalSetup). */
export const ROOT = join(__dirname, '..', '..', '..');
export const ADX = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface AdxRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Variables that would point a child at someone's warehouse or stack: each test says what it
 * wants instead. The ops port is 0 (any free one) unless a test sets it.
 */
const CLEARED = ['DATABASE_URL', 'ADX_PGLITE_DIR', 'ADX_WAREHOUSE', 'ADX_PROFILE', 'ADX_DEBUG'];

export function adx(
  args: readonly string[],
  env: Record<string, string> = {},
  onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<AdxRun> {
  const base: Record<string, string | undefined> = { ...process.env, ADX_HTTP_PORT: '0' };
  for (const name of CLEARED) delete base[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ADX, ...args], { env: { ...base, ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A line of a JavaScript stack trace, as Node prints them ("    at fn (file:line:col)"). */
export const STACK_LINE = /^\s+at \S.*:\d+:\d+\)?$/m;
