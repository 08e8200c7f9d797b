/**
 * The OpenLineage HTTP settings are checked at start: a bad value stops the service with a
 * message naming the variable (and never echoing the API key); good ones reach AppConfig with
 * their defaults. FILE and URL together mean both sinks.
 */
import { loadConfig } from '../../src/config/config';
import { lineageEndpoint } from '../../src/lineage/http-sink';
import { configRejection } from '../support/config';

const MARQUEZ = 'http://marquez:5000';

describe('OpenLineage HTTP configuration', () => {
  it('is off without ADX_OPENLINEAGE_URL', () => {
    expect(loadConfig({}).openLineageHttp).toBeUndefined();
  });

  it('takes the URL with the default endpoint, timeout and breaker, and no key', () => {
    expect(loadConfig({ ADX_OPENLINEAGE_URL: MARQUEZ }).openLineageHttp).toEqual({
      url: MARQUEZ,
      endpoint: 'api/v1/lineage',
      timeoutMs: 5000,
      breaker: { failures: 3, cooldownMs: 30_000 },
    });
  });

  it('takes the endpoint, key, timeout and breaker when given', () => {
    const config = loadConfig({
      ADX_OPENLINEAGE_URL: 'https://lineage.example.com/ol/',
      ADX_OPENLINEAGE_ENDPOINT: 'v2/events',
      ADX_OPENLINEAGE_API_KEY: 's3cr3t-token',
      ADX_OPENLINEAGE_TIMEOUT_MS: '1500',
      ADX_OPENLINEAGE_BREAKER_FAILURES: '5',
      ADX_OPENLINEAGE_BREAKER_COOLDOWN: '2m',
    });
    expect(config.openLineageHttp).toEqual({
      url: 'https://lineage.example.com/ol/',
      endpoint: 'v2/events',
      apiKey: 's3cr3t-token',
      timeoutMs: 1500,
      breaker: { failures: 5, cooldownMs: 120_000 },
    });
  });

  it.each([
    ['1s', 1000],
    ['45000', 45_000],
    ['1h', 3_600_000],
  ])('takes ADX_OPENLINEAGE_BREAKER_COOLDOWN=%j as %d ms', (value, ms) => {
    const config = loadConfig({
      ADX_OPENLINEAGE_URL: MARQUEZ,
      ADX_OPENLINEAGE_BREAKER_COOLDOWN: value,
    });
    expect(config.openLineageHttp?.breaker?.cooldownMs).toBe(ms);
  });

  it('keeps the file when the URL is set too: both get the events', () => {
    const config = loadConfig({
      ADX_OPENLINEAGE_FILE: '/tmp/ol.ndjson',
      ADX_OPENLINEAGE_URL: MARQUEZ,
    });
    expect(config.openLineageFile).toBe('/tmp/ol.ndjson');
    expect(config.openLineageHttp?.url).toBe(MARQUEZ);
  });

  it.each(['marquez:5000', 'ftp://marquez/', 'http://', 'not a url', ''])(
    'rejects ADX_OPENLINEAGE_URL=%j, naming it',
    (value) => {
      expect(configRejection({ ADX_OPENLINEAGE_URL: value })).toMatch(
        /ADX_OPENLINEAGE_URL: expected an http/,
      );
    },
  );

  it('rejects credentials in the URL without echoing them', () => {
    const message = configRejection({ ADX_OPENLINEAGE_URL: 'http://user:hunter2@marquez:5000' });
    expect(message).toContain('ADX_OPENLINEAGE_URL');
    expect(message).toContain('ADX_OPENLINEAGE_API_KEY');
    expect(message).not.toContain('hunter2');
  });

  it('rejects a URL path the relative endpoint would replace', () => {
    expect(configRejection({ ADX_OPENLINEAGE_URL: 'http://gateway/ol' })).toMatch(
      /ADX_OPENLINEAGE_URL: its path \/ol would be replaced/,
    );
    // with a trailing slash, or an absolute endpoint, the result is what was meant
    expect(loadConfig({ ADX_OPENLINEAGE_URL: 'http://gateway/ol/' }).openLineageHttp).toBeDefined();
    expect(
      loadConfig({
        ADX_OPENLINEAGE_URL: 'http://gateway/ol',
        ADX_OPENLINEAGE_ENDPOINT: '/ol/api/v1/lineage',
      }).openLineageHttp,
    ).toBeDefined();
  });

  it.each(['0', '-5', 'soon', '5s', '1.5', '600000'])(
    'rejects ADX_OPENLINEAGE_TIMEOUT_MS=%j, naming it',
    (value) => {
      expect(
        configRejection({ ADX_OPENLINEAGE_URL: MARQUEZ, ADX_OPENLINEAGE_TIMEOUT_MS: value }),
      ).toMatch(/ADX_OPENLINEAGE_TIMEOUT_MS: /);
    },
  );

  it.each(['0', '-1', 'three', '2.5', '1001', ''])(
    'rejects ADX_OPENLINEAGE_BREAKER_FAILURES=%j, naming it',
    (value) => {
      expect(
        configRejection({ ADX_OPENLINEAGE_URL: MARQUEZ, ADX_OPENLINEAGE_BREAKER_FAILURES: value }),
      ).toMatch(/ADX_OPENLINEAGE_BREAKER_FAILURES: /);
    },
  );

  it.each(['0', '999', '500ms', '61m', '2h', 'soon', '30 s', ''])(
    'rejects ADX_OPENLINEAGE_BREAKER_COOLDOWN=%j, naming it',
    (value) => {
      expect(
        configRejection({ ADX_OPENLINEAGE_URL: MARQUEZ, ADX_OPENLINEAGE_BREAKER_COOLDOWN: value }),
      ).toMatch(/ADX_OPENLINEAGE_BREAKER_COOLDOWN: /);
    },
  );

  it.each(['https://elsewhere/api', '//elsewhere/api', 'api v1', ''])(
    'rejects ADX_OPENLINEAGE_ENDPOINT=%j, naming it',
    (value) => {
      expect(
        configRejection({ ADX_OPENLINEAGE_URL: MARQUEZ, ADX_OPENLINEAGE_ENDPOINT: value }),
      ).toMatch(/ADX_OPENLINEAGE_ENDPOINT: /);
    },
  );

  it('rejects an API key with spaces without echoing it', () => {
    const message = configRejection({
      ADX_OPENLINEAGE_URL: MARQUEZ,
      ADX_OPENLINEAGE_API_KEY: 'Bearer abc123secret',
    });
    expect(message).toContain('ADX_OPENLINEAGE_API_KEY');
    expect(message).not.toContain('abc123secret');
  });
});

describe('lineageEndpoint', () => {
  it.each([
    ['http://marquez:5000', 'api/v1/lineage', 'http://marquez:5000/api/v1/lineage'],
    ['http://marquez:5000/', 'api/v1/lineage', 'http://marquez:5000/api/v1/lineage'],
    ['https://gw.example.com/ol/', 'api/v1/lineage', 'https://gw.example.com/ol/api/v1/lineage'],
    ['https://gw.example.com/ol/', '/api/v1/lineage', 'https://gw.example.com/api/v1/lineage'],
  ])('joins %s and %s like urljoin', (url, endpoint, expected) => {
    expect(lineageEndpoint(url, endpoint).href).toBe(expected);
  });
});
