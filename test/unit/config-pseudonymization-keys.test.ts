/**
 * ADX_PSEUDONYMIZATION_KEYS (active key first, each with an id) and the single-key
 * ADX_PSEUDONYMIZATION_KEY (id k1): checked at start, with messages that name the variable and
 * never a secret; the pseudonyms they make record the key id and fit every contract and column.
 */
import { Type } from 'avsc';
import { readContract } from '../../adapters/codecs/contract-files';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { keyIdOf, PSEUDONYM_PATTERN } from '../../adapters/crypto/keyring';
import { adEventRecord } from '../../adapters/kafka/ad-event-record';
import { loadConfig } from '../../src/config/config';
import { AD_EVENT_SCHEMAS } from '../../src/contracts/contract-files';
import type { AdEvent } from '../../domain';
import { configRejection } from '../support/config';

const OLD = 'ab'.repeat(32);
const NEW = 'cd'.repeat(32);

describe('pseudonymization keys', () => {
  it('takes ADX_PSEUDONYMIZATION_KEYS in order, the active key first', () => {
    const config = loadConfig({ ADX_PSEUDONYMIZATION_KEYS: `k2:${NEW},k1:${OLD}` });
    expect(config.pseudonymizationKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(Buffer.from(config.pseudonymizationKeys[1]!.secret).toString('hex')).toBe(OLD);
    expect(config.pseudonymizationKey.toString('hex')).toBe(NEW);
    expect(config.ephemeralKey).toBe(false);
  });

  it('keeps ADX_PSEUDONYMIZATION_KEY as one key with the id k1', () => {
    const config = loadConfig({ ADX_PSEUDONYMIZATION_KEY: OLD });
    expect(config.pseudonymizationKeys).toEqual([{ id: 'k1', secret: Buffer.from(OLD, 'hex') }]);
    const single = new HmacPseudonymizer(config.pseudonymizationKeys);
    const listed = new HmacPseudonymizer(
      loadConfig({ ADX_PSEUDONYMIZATION_KEYS: `k1:${OLD}` }).pseudonymizationKeys,
    );
    expect(single.pseudonymize('user-1')).toBe(listed.pseudonymize('user-1'));
  });

  it('without either, uses a random key k1 for this process and says so', () => {
    const config = loadConfig({});
    expect(config.ephemeralKey).toBe(true);
    expect(config.pseudonymizationKeys.map((k) => k.id)).toEqual(['k1']);
    expect(config.pseudonymizationKey).toHaveLength(32);
  });

  it.each([
    ['k2', 'entry 1: expected <key id>:<hex secret>'],
    [`k2:${NEW},${OLD}`, 'entry 2: expected <key id>:<hex secret>'],
    [`k.2:${NEW}`, 'entry 1: the key id must be'],
    [`:${NEW}`, 'entry 1: the key id must be'],
    ['k2:abcd', "key 'k2': expected at least 32 hex characters"],
    [`k2:${NEW.slice(0, -1)}z`, "key 'k2': expected at least 32 hex characters"],
    [`k2:${NEW},k2:${OLD}`, "id 'k2' is given twice"],
    [`k2:${NEW},k1:${NEW}`, "key 'k1' repeats the secret of another key"],
  ])('refuses ADX_PSEUDONYMIZATION_KEYS=%s', (value, problem) => {
    const message = configRejection({ ADX_PSEUDONYMIZATION_KEYS: value });
    expect(message).toContain('ADX_PSEUDONYMIZATION_KEYS');
    expect(message).toContain(problem);
    expect(message).not.toContain(NEW);
    expect(message).not.toContain(OLD);
  });

  it('refuses both variables at once, naming both', () => {
    const message = configRejection({
      ADX_PSEUDONYMIZATION_KEY: OLD,
      ADX_PSEUDONYMIZATION_KEYS: `k2:${NEW},k1:${OLD}`,
    });
    expect(message).toContain('ADX_PSEUDONYMIZATION_KEY, ADX_PSEUDONYMIZATION_KEYS: set one');
  });

  it('requires one of them in the real profile', () => {
    const real = { ADX_PROFILE: 'real', KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r' };
    expect(configRejection(real)).toContain(
      'ADX_PSEUDONYMIZATION_KEY or ADX_PSEUDONYMIZATION_KEYS',
    );
    expect(() => loadConfig({ ...real, ADX_PSEUDONYMIZATION_KEYS: `k2:${NEW}` })).not.toThrow();
  });
});

describe('pseudonyms with a key id', () => {
  const p = new HmacPseudonymizer([
    { id: 'k2', secret: Buffer.from(NEW, 'hex') },
    { id: 'k1', secret: Buffer.from(OLD, 'hex') },
  ]);

  it('name the key that made them', () => {
    expect(keyIdOf(p.pseudonymize('user-1'))).toBe('k2');
    expect(p.previousPseudonyms('user-1').map(keyIdOf)).toEqual(['k1']);
    expect(keyIdOf('0'.repeat(64))).toBeUndefined(); // the format before key ids
  });

  it.each(AD_EVENT_SCHEMAS)('fit the ad-event contract %s (user_id is a string)', (file) => {
    const type = Type.forSchema(JSON.parse(readContract(file)));
    const longest = `${'k'.repeat(16)}.${'f'.repeat(64)}`;
    expect(PSEUDONYM_PATTERN.test(longest)).toBe(true);
    for (const userId of [p.pseudonymize('user-1'), longest]) {
      const event: AdEvent = {
        eventId: 'imp-1',
        eventType: 'impression',
        eventTime: Date.UTC(2026, 10, 26),
        userId,
        campaignId: 'cmp-1',
        source: { topic: 'impressions', partition: 0, offset: '7', format: 'json' },
      };
      const back = type.fromBuffer(type.toBuffer(adEventRecord(event))) as { user_id: string };
      expect(back.user_id).toBe(userId);
    }
  });
});
