import { ConfigError, loadConfig } from '../../src/config/config';

/** The message loadConfig refuses `env` with; fails the test when it accepts it. */
export function configRejection(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}
