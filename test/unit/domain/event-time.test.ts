import {
  HOUR_MS,
  MAX_EVENT_TIME,
  MIN_EVENT_TIME,
  parseEventTime,
} from '../../../domain/event-time';
import type { SourceRecord } from '../../../domain/source-record';
import {
  bidRequestAvro,
  clickFieldsV1,
  impressionJsonV1,
  iso,
  NOW,
  rejectionOf,
  runBatch,
  sourceRecord,
  T0,
} from '../../support/domain-fixtures';

describe('event time parsing', () => {
  it.each([
    ['2024-01-15T12:00:00Z', T0],
    ['2024-01-15T12:00:00.000Z', T0],
    ['2024-01-15T12:00Z', T0],
    ['2024-01-15T13:00:00+01:00', T0],
    ['2024-01-15T13:00:00+0100', T0],
    ['2024-01-15T07:00:00-05:00', T0],
    ['2024-01-15T17:30:00+05:30', T0],
    ['2024-01-15T12:00:00.250Z', T0 + 250],
    ['2024-01-15T12:00:00.250123456Z', T0 + 250],
    [T0, T0],
    [String(T0), T0],
  ])('%j is %d', (raw, ms) => {
    expect(parseEventTime(raw)).toBe(ms);
  });

  it.each([
    ['no zone', '2024-01-15T12:00:00'],
    ['no zone, fraction', '2024-01-15T12:00:00.123'],
    ['date only', '2024-01-15'],
    ['space instead of T', '2024-01-15 12:00:00Z'],
    ['RFC 2822', 'Mon, 15 Jan 2024 12:00:00 GMT'],
    ['month 13', '2024-13-01T00:00:00Z'],
    ['epoch seconds', Math.floor(T0 / 1000)],
    ['epoch seconds as text', String(Math.floor(T0 / 1000))],
    ['epoch microseconds', T0 * 1000],
    ['before 2000', MIN_EVENT_TIME - 1],
    ['2100 or later', MAX_EVENT_TIME],
    ['negative', -T0],
    ['fractional ms', T0 + 0.5],
    ['empty', ''],
  ])('refuses %s (%j)', (_label, raw) => {
    expect(parseEventTime(raw)).toBeUndefined();
  });

  it('accepts the first millisecond of 2000 and the last before 2100', () => {
    expect(parseEventTime(MIN_EVENT_TIME)).toBe(MIN_EVENT_TIME);
    expect(parseEventTime(MAX_EVENT_TIME - 1)).toBe(MAX_EVENT_TIME - 1);
  });
});

const withTime: Record<string, (ms: number) => SourceRecord> = {
  impression: (ms) => sourceRecord('impression', impressionJsonV1({ timestamp: iso(ms) })),
  click: (ms) => sourceRecord('click_or_conversion', clickFieldsV1({ timestamp: iso(ms) })),
  'bid request': (ms) => sourceRecord('bid_request', bidRequestAvro({ timestamp: ms })),
};

describe('a timestamp without a zone is ambiguous, so it is refused', () => {
  it.each([
    [
      'impression',
      sourceRecord('impression', impressionJsonV1({ timestamp: '2024-01-15T12:00:00' })),
    ],
    [
      'click',
      sourceRecord('click_or_conversion', clickFieldsV1({ timestamp: '2024-01-15T12:00:00' })),
    ],
  ])('%s: invalid_value at timestamp', (_source, record) => {
    expect(rejectionOf(record)).toMatchObject({ reason: 'invalid_value', path: 'timestamp' });
  });
});

describe.each(Object.entries(withTime))('event time of a %s', (_source, build) => {
  it('accepts up to maxFutureSkewMs (1 h) ahead of processing time', () => {
    const outcome = runBatch([build(NOW + HOUR_MS)]);
    expect(outcome.accepted).toHaveLength(1);
  });

  it('refuses an event further in the future than maxFutureSkewMs', () => {
    expect(rejectionOf(build(NOW + HOUR_MS + 1))).toMatchObject({
      reason: 'invalid_value',
      path: 'timestamp',
    });
  });

  it('uses the configured skew: 0 ms refuses the next millisecond', () => {
    const outcome = runBatch([build(NOW + 1)], { rules: { maxFutureSkewMs: 0 } });
    expect(outcome.rejections[0]?.rejection).toMatchObject({ reason: 'invalid_value' });
    expect(runBatch([build(NOW)], { rules: { maxFutureSkewMs: 0 } }).accepted).toHaveLength(1);
  });
});
