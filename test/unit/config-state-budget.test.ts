import { loadConfig, ConfigError } from '../../src/config/config';
import { parseBytes, STATE_BYTES_PER_KEY } from '../../src/config/state-budget';

describe('the decider state memory budget', () => {
  it('parses sizes with or without a unit', () => {
    expect(parseBytes('512MB')).toBe(512 * 2 ** 20);
    expect(parseBytes('1.5 gb')).toBe(1.5 * 2 ** 30);
    expect(parseBytes('4096')).toBe(4096);
    expect(parseBytes('lots')).toBeUndefined();
  });

  it('refuses a rate × retention whose state exceeds the budget, naming the variables', () => {
    // 1,000 events/s for a day: 86.4 M keys, about 6 GB at 70 B a key
    const env = {
      ADX_EXPECTED_RATE: '1000',
      ADX_DEDUPE_RETENTION: '1d',
      ADX_STATE_MEMORY_BUDGET: '4GB',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /ADX_STATE_MEMORY_BUDGET=4,096 MB: ADX_EXPECTED_RATE=1000 events\/s for ADX_DEDUPE_RETENTION=1d keeps about 86,400,000 keys/,
    );
  });

  it('accepts the same rate and retention with a budget that holds them', () => {
    const needed = 1000 * 86_400 * STATE_BYTES_PER_KEY;
    const config = loadConfig({
      ADX_EXPECTED_RATE: '1000',
      ADX_DEDUPE_RETENTION: '1d',
      ADX_STATE_MEMORY_BUDGET: String(needed),
    });
    expect(config.rules.dedupeRetentionMs).toBe(86_400_000);
  });

  it('checks nothing unless both the rate and the budget are set', () => {
    expect(() => loadConfig({ ADX_EXPECTED_RATE: '1000000' })).not.toThrow();
    expect(() => loadConfig({ ADX_STATE_MEMORY_BUDGET: '1MB' })).not.toThrow();
  });

  it('names a budget that is not a size', () => {
    expect(() => loadConfig({ ADX_STATE_MEMORY_BUDGET: 'lots' })).toThrow(
      /ADX_STATE_MEMORY_BUDGET: expected a size such as 512MB or 8GB/,
    );
  });
});
