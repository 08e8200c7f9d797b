import { DAY_MS, HOUR_MS } from '../../../domain/event-time';
import { emptyDedupeState } from '../../../domain/dedupe';
import { acceptedTimes } from '../../../domain/event-key-index';
import { processBatch } from '../../../domain/process-batch';
import {
  bidRequest,
  click,
  conversion,
  freshState,
  impression,
  MINUTE_MS,
  NOW,
  runBatch,
  T0,
} from '../../support/domain-fixtures';

describe('dedupe on (eventType, eventId)', () => {
  it('drops the second impression with the same id as a duplicate, with its coordinates', () => {
    const second = impression({ id: 'imp-1', time: T0, offset: '901' });
    const outcome = runBatch([impression({ id: 'imp-1', time: T0, offset: '900' }), second]);
    expect(outcome.accepted.map((e) => e.source.offset)).toEqual(['900']);
    expect(outcome.duplicates).toEqual([
      { eventType: 'impression', eventId: 'imp-1', source: second.source },
    ]);
    expect(outcome.counts).toMatchObject({ received: 2, accepted: 1, duplicates: 1, rejected: 0 });
  });

  it('records the duplicate as a DuplicateDropped domain event carrying its event time', () => {
    const outcome = runBatch([click({ id: 'c', time: T0 }), click({ id: 'c', time: T0 })]);
    expect(outcome.events.filter((e) => e.type === 'DuplicateDropped')).toEqual([
      expect.objectContaining({ eventType: 'click', eventId: 'c', eventTime: T0 }),
    ]);
  });

  it('the same id with a different event type is not a duplicate', () => {
    const outcome = runBatch([
      impression({ id: 'x-1', time: T0 }),
      click({ id: 'x-1', time: T0 }),
      conversion({ id: 'x-1', time: T0 }),
      bidRequest({ id: 'x-1', time: T0 }),
    ]);
    expect(outcome.accepted.map((e) => e.eventType)).toEqual([
      'impression',
      'click',
      'conversion',
      'bid_request',
    ]);
    expect(outcome.duplicates).toEqual([]);
  });

  it('first accepted wins: a later copy with other content is dropped, not merged', () => {
    const first = impression({ id: 'imp-1', time: T0, user: 'user-1' });
    const outcome = runBatch([
      first,
      impression({ id: 'imp-1', time: T0 + MINUTE_MS, user: 'user-2' }),
    ]);
    expect(outcome.accepted).toEqual([
      expect.objectContaining({ userId: 'user-1', eventTime: T0 }),
    ]);
    expect(outcome.duplicates).toHaveLength(1);
  });

  it('a rejected record does not claim the id: a valid copy after it is accepted', () => {
    const bad = click({ id: 'c-1', time: T0, user: '' });
    const outcome = runBatch([bad, click({ id: 'c-1', time: T0 })]);
    expect(outcome.rejections).toHaveLength(1);
    expect(outcome.accepted).toHaveLength(1);
    expect(outcome.duplicates).toHaveLength(0);
  });

  it('remembers keys across batches', () => {
    const first = processBatch(freshState(), [click({ id: 'c-1', time: T0 })], NOW);
    const second = processBatch(first.state, [click({ id: 'c-1', time: T0 })], NOW);
    expect(second.accepted).toEqual([]);
    expect(second.duplicates).toHaveLength(1);
  });

  it('keeps dedupe state per partition (producers key by user, so copies share a partition)', () => {
    const outcome = runBatch([
      impression({ id: 'imp-1', time: T0, partition: 0 }),
      impression({ id: 'imp-1', time: T0, partition: 1 }),
    ]);
    expect(outcome.accepted).toHaveLength(2);
  });
});

describe('dedupe retention', () => {
  const lateness = 10 * MINUTE_MS;
  const retention = 7 * DAY_MS;

  it('still drops a copy just inside the retention window', () => {
    const outcome = runBatch([
      impression({ id: 'imp-1', time: T0 }),
      impression({ id: 'newer', time: T0 + retention + lateness }),
      impression({ id: 'imp-1', time: T0 }),
    ]);
    expect(outcome.duplicates.map((d) => d.eventId)).toEqual(['imp-1']);
  });

  it('forgets a key once retention has passed, and rejects a copy that old as late (never loads it twice)', () => {
    // the group's watermark forgets keys: here impressions are its only input
    const first = processBatch(
      freshState({}, ['impressions']),
      [impression({ id: 'imp-1', time: T0 })],
      NOW,
    );
    const later = T0 + retention + lateness + 2 * HOUR_MS;
    const advanced = processBatch(first.state, [impression({ id: 'newer', time: later })], NOW);
    const slice = advanced.state.partitions.get(0);
    const dedupe = slice?.dedupe ?? emptyDedupeState();
    expect(acceptedTimes(dedupe, 'impression', 'imp-1')).toBeUndefined();
    expect(acceptedTimes(dedupe, 'impression', 'newer')).toBe(later);

    const replayed = processBatch(advanced.state, [impression({ id: 'imp-1', time: T0 })], NOW);
    expect(replayed.accepted).toEqual([]);
    expect(replayed.rejections.map((r) => r.rejection.reason)).toEqual(['late_beyond_retention']);
  });

  it('honours a configured retention', () => {
    const rules = { dedupeRetentionMs: HOUR_MS, allowedLatenessMs: 0 };
    const within = runBatch(
      [
        click({ id: 'c-1', time: T0 }),
        click({ id: 'c-2', time: T0 + 30 * MINUTE_MS }),
        click({ id: 'c-1', time: T0 }),
      ],
      { rules },
    );
    expect(within.duplicates.map((d) => d.eventId)).toEqual(['c-1']);
    const beyond = runBatch(
      [
        click({ id: 'c-1', time: T0 }),
        click({ id: 'c-2', time: T0 + 3 * HOUR_MS }),
        click({ id: 'c-1', time: T0 }),
      ],
      { rules },
    );
    expect(beyond.rejections.map((r) => r.rejection.reason)).toEqual(['late_beyond_retention']);
  });
});
