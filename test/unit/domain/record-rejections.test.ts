import { DAY_MS } from '../../../domain/event-time';
import { REJECTION_REASONS } from '../../../domain/rejection';
import type { SourceKind } from '../../../domain/source-record';
import {
  click,
  impression,
  impressionJsonV1,
  MINUTE_MS,
  rejectionOf,
  runBatch,
  sourceRecord,
  T0,
  undecodable,
} from '../../support/domain-fixtures';

const KINDS: SourceKind[] = ['impression', 'click_or_conversion', 'bid_request'];

describe('record-level rejections (before any field is looked at)', () => {
  it.each(KINDS)('%s: a decode failure (corrupt_payload) passes through unchanged', (kind) => {
    const record = undecodable(kind, 'corrupt_payload');
    expect(rejectionOf(record)).toEqual(record.payload.rejection);
  });

  it.each(KINDS)('%s: an unknown schema id (unknown_schema) passes through unchanged', (kind) => {
    const record = undecodable(kind, 'unknown_schema', { schemaId: 999 });
    expect(rejectionOf(record)).toEqual(record.payload.rejection);
  });

  it('keeps the source coordinates of the rejected record, for the dead-letter topic', () => {
    const record = undecodable('bid_request', 'unknown_schema', { partition: 3, offset: '77' });
    expect(runBatch([record]).rejections).toEqual([
      { source: record.source, rejection: record.payload.rejection },
    ]);
  });

  it('a record larger than maxRecordBytes is too_large at the root', () => {
    const record = sourceRecord('impression', impressionJsonV1(), { sizeBytes: 64 * 1024 + 1 });
    expect(rejectionOf(record)).toMatchObject({ reason: 'too_large', path: '' });
  });

  it('a record of exactly maxRecordBytes is accepted', () => {
    const record = sourceRecord('impression', impressionJsonV1(), { sizeBytes: 64 * 1024 });
    expect(runBatch([record]).accepted).toHaveLength(1);
  });

  it('too_large wins over a decode failure: size is checked before the payload', () => {
    const record = undecodable('impression', 'corrupt_payload', { sizeBytes: 10_000_000 });
    expect(rejectionOf(record).reason).toBe('too_large');
  });

  it('uses the configured maxRecordBytes', () => {
    const record = sourceRecord('impression', impressionJsonV1(), { sizeBytes: 101 });
    expect(rejectionOf(record, { maxRecordBytes: 100 }).reason).toBe('too_large');
  });
});

/** a decoded value whose fields throw when read: what a defect in a decoder could hand over */
function throwingPayload(): Record<string, unknown> {
  const value = impressionJsonV1();
  Object.defineProperty(value, 'user_id', {
    enumerable: true,
    get() {
      throw new RangeError('decoder handed over a broken value');
    },
  });
  return value;
}

describe('processing_error: a record that makes validation throw', () => {
  it('is rejected with the error, at the root, and the batch goes on', () => {
    const outcome = runBatch([
      sourceRecord('impression', throwingPayload(), { offset: '1' }),
      impression({ id: 'after-the-throw', time: T0 }),
    ]);
    expect(outcome.rejections).toHaveLength(1);
    expect(outcome.rejections[0]?.source.offset).toBe('1');
    expect(outcome.rejections[0]?.rejection).toEqual({
      reason: 'processing_error',
      path: '',
      detail: 'validation threw RangeError: decoder handed over a broken value',
    });
    expect(outcome.accepted.map((e) => e.eventId)).toEqual(['after-the-throw']);
    expect(outcome.counts).toMatchObject({ received: 2, accepted: 1, rejected: 1, duplicates: 0 });
  });

  it('also when the pseudonymizer throws', () => {
    const outcome = runBatch([impression({ id: 'imp-x', time: T0 })], {
      pseudonymizeUser: () => {
        throw new Error('key store unavailable');
      },
    });
    expect(outcome.rejections.map((r) => r.rejection.reason)).toEqual(['processing_error']);
    expect(outcome.rejections[0]?.rejection.detail).toContain('key store unavailable');
  });
});

describe('late_beyond_retention', () => {
  const retention = 7 * DAY_MS;
  const lateness = 10 * MINUTE_MS;
  const recent = T0 + 30 * DAY_MS;
  const horizon = recent - lateness - retention;

  it('rejects, at timestamp, an event older than watermark - retention once the partition has seen a recent one', () => {
    const outcome = runBatch([
      impression({ id: 'recent', time: recent }),
      impression({ id: 'ancient', time: horizon - 1 }),
    ]);
    expect(outcome.accepted.map((e) => e.eventId)).toEqual(['recent']);
    expect(outcome.rejections[0]?.rejection).toMatchObject({
      reason: 'late_beyond_retention',
      path: 'timestamp',
    });
  });

  it('accepts an event exactly at the retention horizon', () => {
    const outcome = runBatch([
      impression({ id: 'recent', time: recent }),
      click({ id: 'at-horizon', time: horizon }),
    ]);
    expect(outcome.accepted).toHaveLength(2);
  });

  it('accepts an old event when the partition has seen nothing newer', () => {
    expect(runBatch([impression({ id: 'old', time: horizon - DAY_MS })]).accepted).toHaveLength(1);
  });

  it('judges each partition by its own watermark', () => {
    const outcome = runBatch([
      impression({ id: 'recent', time: recent, partition: 0 }),
      impression({ id: 'old-elsewhere', time: horizon - 1, partition: 1 }),
    ]);
    expect(outcome.accepted).toHaveLength(2);
  });

  it('uses the configured retention and lateness', () => {
    const outcome = runBatch(
      [impression({ id: 'a', time: T0 }), impression({ id: 'b', time: T0 - 2 * MINUTE_MS })],
      { rules: { dedupeRetentionMs: MINUTE_MS, allowedLatenessMs: 0 } },
    );
    expect(outcome.rejections.map((r) => r.rejection.reason)).toEqual(['late_beyond_retention']);
  });
});

describe('rejection counts', () => {
  it('counts every reason separately, and the counts add up', () => {
    const outcome = runBatch([
      undecodable('impression', 'corrupt_payload'),
      undecodable('bid_request', 'unknown_schema'),
      sourceRecord('impression', impressionJsonV1(), { sizeBytes: 1e9 }),
      sourceRecord('impression', impressionJsonV1({ user_id: undefined })),
      sourceRecord('impression', impressionJsonV1({ user_id: 7 })),
      sourceRecord('impression', impressionJsonV1({ user_id: '' })),
      impression({ id: 'recent', time: T0 + 30 * DAY_MS }),
      impression({ id: 'ancient', time: T0 }),
      sourceRecord('impression', throwingPayload()),
    ]);
    expect(outcome.counts).toMatchObject({ received: 9, accepted: 1, rejected: 8, duplicates: 0 });
    expect(Object.keys(outcome.counts.rejectedByReason).sort()).toEqual(
      [...REJECTION_REASONS].sort(),
    );
    for (const reason of REJECTION_REASONS) {
      expect([reason, outcome.counts.rejectedByReason[reason]]).toEqual([reason, 1]);
    }
  });
});
