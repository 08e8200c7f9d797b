import { loadConfig, type AppConfig } from '../../src/config/config';
import { buildContainer } from '../../src/container/container';

/**
 * The service's container on in-memory adapters, with no progress lines and no idle releases, for
 * a test that binds its own source and fakes; `env` adds to or overrides that configuration.
 */
export async function quietMemoryContainer(
  env: Record<string, string> = {},
): Promise<{ config: AppConfig; container: Awaited<ReturnType<typeof buildContainer>> }> {
  const config = loadConfig({
    ADX_HTTP_PORT: '0',
    ADX_WAREHOUSE: 'memory',
    ADX_PROGRESS_INTERVAL: '1h',
    ADX_IDLE_TIMEOUT: '1h',
    ...env,
  });
  return { config, container: await buildContainer(config) };
}
