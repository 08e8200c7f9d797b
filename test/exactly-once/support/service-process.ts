import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { STACK, TEST_PSEUDONYMIZATION_KEY } from '../../support/stack';

export const ROOT = join(__dirname, '..', '..', '..');

/** The real profile against the stack, all topics under `prefix`, staging to `bucket`. */
export function serviceEnv(
  prefix: string,
  bucket: string,
  databaseUrl: string,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    ADX_PROFILE: 'real',
    KAFKA_BROKERS: STACK.brokers.join(','),
    SCHEMA_REGISTRY_URL: STACK.registryUrl,
    ADX_PSEUDONYMIZATION_KEY: TEST_PSEUDONYMIZATION_KEY,
    ADX_TOPIC_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    S3_BUCKET: bucket,
    S3_ENDPOINT: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
    S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID ?? 'adxlocal',
    S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY ?? 'adxlocalsecret',
    S3_FORCE_PATH_STYLE: 'true',
    ADX_BATCH_SIZE: '500',
    ADX_SNAPSHOT_EVERY: '15',
    ADX_HTTP_PORT: '0',
    ADX_LOG_FORMAT: 'json',
    ADX_PROGRESS_INTERVAL: '1h',
    ...extra,
  };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** The built service as a separate process, so that SIGKILL kills it for real. */
export function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve'], {
    env: { ...process.env, ...env },
    cwd: ROOT,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  child.stdout.resume();
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

export function log(line: string): void {
  process.stderr.write(`[exactly-once] ${line}\n`);
}
