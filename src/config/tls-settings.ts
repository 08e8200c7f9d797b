import { accessSync, constants } from 'node:fs';
import type { Env } from './config';
import { databaseUrlWithTls, LIBPQ_TLS_VARIABLES, SSL_MODES } from './database-tls';

/** A certificate or key file the settings name but this process cannot read. */
function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/**
 * TLS settings that cannot work, found at start rather than at the first connection: files that
 * are not there, a CA given for a connection that does not use TLS, an unknown sslmode. Messages
 * name the variable (for DATABASE_URL, the parameter) and never print the URL: it may hold a password.
 */
export function tlsSettingGaps(e: Env): string[] {
  const gaps: string[] = [];
  const files: [string, string | undefined][] = [
    ['KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE],
    ['KAFKA_SSL_CERT_FILE', e.KAFKA_SSL_CERT_FILE],
    ['KAFKA_SSL_KEY_FILE', e.KAFKA_SSL_KEY_FILE],
    ['S3_CA_FILE', e.S3_CA_FILE],
  ];
  for (const [name, path] of files) {
    const problem = path ? unreadable(path) : undefined;
    if (problem) gaps.push(`${name}: cannot read ${path} (${problem})`);
  }
  if (e.KAFKA_SSL !== 'true') {
    const set = files
      .slice(0, 3)
      .filter(([, path]) => path)
      .map(([name]) => name);
    if (set.length > 0)
      gaps.push(
        `KAFKA_SSL: ${set.join(', ')} set, but KAFKA_SSL is not true, so they would not be used`,
      );
  }
  if (e.S3_CA_FILE && e.S3_ENDPOINT && !e.S3_ENDPOINT.startsWith('https:'))
    gaps.push('S3_CA_FILE: set, but S3_ENDPOINT is not an https:// URL');
  if (e.DATABASE_URL) gaps.push(...databaseTlsGaps(e.DATABASE_URL, e));
  return gaps;
}

function databaseTlsGaps(databaseUrl: string, e: Env): string[] {
  let params: URLSearchParams;
  try {
    params = new URL(databaseUrlWithTls(databaseUrl, e)).searchParams;
  } catch {
    return ['DATABASE_URL: not a valid URL'];
  }
  const gaps: string[] = [];
  const source = (parameter: keyof typeof LIBPQ_TLS_VARIABLES): string =>
    new URL(databaseUrl).searchParams.has(parameter)
      ? `DATABASE_URL (${parameter})`
      : LIBPQ_TLS_VARIABLES[parameter];
  const mode = params.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode))
    gaps.push(`${source('sslmode')}: expected one of ${SSL_MODES.join(', ')}`);
  for (const parameter of ['sslrootcert', 'sslcert', 'sslkey'] as const) {
    const path = params.get(parameter);
    const problem = path ? unreadable(path) : undefined;
    if (problem) gaps.push(`${source(parameter)}: cannot read ${path} (${problem})`);
  }
  return gaps;
}
