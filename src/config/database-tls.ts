/**
 * TLS for Postgres connections. node-postgres reads the libpq parameters sslmode, sslrootcert,
 * sslcert and sslkey from DATABASE_URL, but not libpq's environment variables (PGSSLROOTCERT...),
 * so a setting that works for psql would be silently ignored here: they are copied into the URL
 * when it does not set them itself. README "Postgres over TLS" lists what each sslmode does.
 */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** URL parameter ← libpq environment variable */
export const LIBPQ_TLS_VARIABLES = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
} as const;

type TlsEnv = Partial<
  Record<(typeof LIBPQ_TLS_VARIABLES)[keyof typeof LIBPQ_TLS_VARIABLES], string>
>;

/** DATABASE_URL with the PGSSL* variables it lacks; unchanged when there are none. */
export function databaseUrlWithTls(databaseUrl: string, env: TlsEnv): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return databaseUrl; // the URL check reports it
  }
  let changed = false;
  for (const [parameter, variable] of Object.entries(LIBPQ_TLS_VARIABLES)) {
    const value = env[variable];
    if (value && !url.searchParams.has(parameter)) {
      url.searchParams.set(parameter, value);
      changed = true;
    }
  }
  return changed ? url.toString() : databaseUrl;
}
