import type { Knex } from 'knex';

/**
 * knex logs its warnings with console.log, onto stdout, where `adx report` and the service's
 * report go. Ours go to stderr, one line each, or nowhere (`quiet`: for callers that report the
 * same failure themselves, such as a connection refused).
 */
export function knexLog(options: { readonly quiet?: boolean } = {}): Knex.Logger {
  const write = (message: unknown): void => {
    if (options.quiet) return;
    const text = message instanceof Error ? message.message : String(message);
    process.stderr.write(`knex: ${text.split('\n')[0]}\n`);
  };
  return {
    warn: write,
    error: write,
    deprecate: (method, alternative) => write(`${method} is deprecated, use ${alternative}`),
    debug: () => {},
  };
}
