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

/** One line of the service's JSON log (ADX_LOG_FORMAT=json). */
export interface LogLine {
  readonly message: string;
  readonly [field: string]: unknown;
}

/** The built service as a separate process, so that SIGKILL kills it for real. */
export function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve'], {
    env: { ...process.env, ...env },
    cwd: ROOT,
  });
  let stderr = '';
  let partial = '';
  /** its log lines so far (the first 10,000: these suites log little) */
  const lines: LogLine[] = [];
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    stderr = (stderr + text).slice(-20_000);
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      if (lines.length >= 10_000 || !part.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        // not one of the service's own lines
      }
    }
  });
  child.stdout.resume();
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited, lines };
}

export function log(line: string): void {
  process.stderr.write(`[exactly-once] ${line}\n`);
}
