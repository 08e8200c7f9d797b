/**
 * A setting is missing or wrong: the message names the variable and what it expects. The CLI
 * exits 2 on it. Its own module, so the CLI can recognise one without loading the schema (zod).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
