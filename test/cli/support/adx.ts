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
 * Settings of the parent (a developer's shell, the stack's addresses that npm test exports) never
 * reach the child: each test says what it wants. The ops port is 0 (any free one) unless set.
 */
const SETTING = /^(ADX_|KAFKA_|SCHEMA_REGISTRY_|S3_|DATABASE_URL$|REDSHIFT_)/;

export function adx(
  args: readonly string[],
  env: Record<string, string> = {},
  onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<AdxRun> {
  const base: Record<string, string | undefined> = { ADX_HTTP_PORT: '0' };
  for (const [name, value] of Object.entries(process.env))
    if (!SETTING.test(name)) base[name] = value;
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
