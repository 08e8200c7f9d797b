import type { AdEvent } from '../../../domain';
import type { DeadLetter, EventPublisher, RawRecord } from '../../../ports';
import {
  MAX_DEAD_LETTER_PAYLOAD,
  type DeadLetterEnvelope,
} from '../../../adapters/dead-letter/envelope';
import { adEvent, binaryBytes, SLOW_MS, uniqueName } from '../support/conformance-kit';

/**
 * The harness reads back what the publisher wrote (for Kafka: fresh topics, read to their end
 * offsets and decoded). Kafka orders only per partition and records are keyed by userId, so order
 * is asserted per user.
 */
export interface EventPublisherHarness {
  readonly publisher: EventPublisher;
  readAdEvents(): Promise<AdEvent[]>;
  readDeadLetters(): Promise<DeadLetterEnvelope[]>;
  cleanup?: () => Promise<void>;
}

function rawRecord(topic: string, offset: number, value: Uint8Array | null, key: string | null) {
  const record: RawRecord = {
    topic,
    partition: offset % 3,
    offset: String(offset),
    key: key === null ? null : Buffer.from(key, 'utf8'),
    value,
    headers: { 'content-type': 'application/json', 'x-attempt': String(offset) },
    timestamp: String(Date.UTC(2026, 10, 26, 7, 0, offset)),
  };
  return record;
}

function deadLetter(topic: string, offset: number, value: Uint8Array | null, key: string | null) {
  const letter: DeadLetter = {
    record: rawRecord(topic, offset, value, key),
    rejection: {
      reason: 'invalid_value',
      path: `$.field_${offset}`,
      detail: `bad value #${offset}`,
    },
    format: offset % 2 === 0 ? 'json' : 'avro',
    ...(offset % 2 === 0 ? {} : { schemaId: 100 + offset }),
  };
  return letter;
}

const decoded = (envelope: DeadLetterEnvelope | undefined): Buffer =>
  Buffer.from(envelope?.payload.base64 ?? '', 'base64');

export function eventPublisherConformance(
  name: string,
  make: () => Promise<EventPublisherHarness>,
): void {
  describe(`EventPublisher conformance: ${name}`, () => {
    let harness: EventPublisherHarness;
    let run: string;

    beforeEach(async () => {
      harness = await make();
      run = uniqueName('publish');
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it(
      'publishes ad events readable back unchanged, in order per user, across calls',
      async () => {
        const t = Date.UTC(2026, 10, 26, 7);
        const users = ['1'.repeat(64), '2'.repeat(64), '3'.repeat(64)];
        const events = Array.from({ length: 12 }, (_, i) =>
          adEvent(i % 4 === 3 ? 'click' : 'impression', `${run}-${i}`, t + i * 1000, {
            userId: users[i % 3] as string,
            campaignId: `${run}-campaign`,
            adId: 'ad-1',
            deviceType: 'mobile',
            country: 'DE',
            ...(i % 4 === 3 ? { impressionId: `${run}-${i - 1}` } : { costMicros: 1_250 + i }),
          }),
        );
        await harness.publisher.publishAdEvents(events.slice(0, 5));
        await harness.publisher.publishAdEvents([]);
        await harness.publisher.publishAdEvents(events.slice(5));
        const read = (await harness.readAdEvents()).filter((e) => e.eventId.startsWith(run));
        expect(read).toHaveLength(events.length);
        expect([...read].sort((a, b) => a.eventTime - b.eventTime)).toEqual(events);
        for (const user of users) {
          expect(read.filter((e) => e.userId === user)).toEqual(
            events.filter((e) => e.userId === user),
          );
        }
      },
      SLOW_MS,
    );

    it(
      'turns N dead letters into N envelopes with reason, coordinates, exact bytes, key and headers',
      async () => {
        const topic = `${run}.impressions`;
        const letters = Array.from({ length: 5 }, (_, i) =>
          deadLetter(topic, i, binaryBytes(40 + i, i), i === 4 ? null : `user-${i}`),
        );
        await harness.publisher.publishDeadLetters(letters.slice(0, 2));
        await harness.publisher.publishDeadLetters(letters.slice(2));
        const envelopes = (await harness.readDeadLetters()).filter((e) => e.source.topic === topic);
        expect(envelopes).toHaveLength(letters.length);
        for (const letter of letters) {
          const { record } = letter;
          const envelope = envelopes.find((e) => e.source.offset === record.offset);
          expect(envelope).toMatchObject({
            schema: 'adx.dead_letter/1',
            reason: 'invalid_value',
            path: letter.rejection.path,
            detail: letter.rejection.detail,
            source: {
              topic,
              partition: record.partition,
              offset: record.offset,
              format: letter.format,
              timestamp: record.timestamp,
            },
            payload: { bytes: record.value?.length, truncated: false },
            key: record.key === null ? null : Buffer.from(record.key).toString('utf8'),
            headers: record.headers,
          });
          expect(envelope?.source.schemaId).toBe(letter.schemaId);
          expect(decoded(envelope).equals(Buffer.from(record.value ?? []))).toBe(true);
          expect(Number.isNaN(Date.parse(envelope?.failedAt ?? ''))).toBe(false);
        }
      },
      SLOW_MS,
    );

    it(
      'keeps a payload of exactly the limit whole and truncates a larger one, recording its size',
      async () => {
        const topic = `${run}.bid_requests`;
        const atLimit = binaryBytes(MAX_DEAD_LETTER_PAYLOAD, 3);
        const tooLarge = binaryBytes(MAX_DEAD_LETTER_PAYLOAD + 4_321, 5);
        await harness.publisher.publishDeadLetters([
          deadLetter(topic, 0, atLimit, 'user-limit'),
          deadLetter(topic, 1, tooLarge, 'user-large'),
          deadLetter(topic, 2, null, 'user-null'),
        ]);
        const envelopes = (await harness.readDeadLetters()).filter((e) => e.source.topic === topic);
        expect(envelopes).toHaveLength(3);
        const [limit, large, empty] = ['0', '1', '2'].map((offset) =>
          envelopes.find((e) => e.source.offset === offset),
        );
        expect(limit?.payload).toMatchObject({ bytes: atLimit.length, truncated: false });
        expect(decoded(limit).equals(Buffer.from(atLimit))).toBe(true);
        expect(large?.payload).toMatchObject({ bytes: tooLarge.length, truncated: true });
        const kept = decoded(large);
        expect(kept.length).toBeLessThan(tooLarge.length);
        expect(kept.length).toBeLessThanOrEqual(MAX_DEAD_LETTER_PAYLOAD);
        expect(kept.equals(Buffer.from(tooLarge.subarray(0, kept.length)))).toBe(true);
        expect(empty?.payload).toEqual({ base64: '', bytes: 0, truncated: false });
      },
      SLOW_MS,
    );

    it(
      'publishes many large dead letters in one call (more than one broker request can carry)',
      async () => {
        const topic = `${run}.large`;
        const letters = Array.from({ length: 6 }, (_, i) =>
          deadLetter(topic, i, binaryBytes(MAX_DEAD_LETTER_PAYLOAD, i), `user-${i}`),
        );
        await harness.publisher.publishDeadLetters(letters);
        const envelopes = (await harness.readDeadLetters()).filter((e) => e.source.topic === topic);
        expect(envelopes.map((e) => e.source.offset).sort()).toEqual([
          '0',
          '1',
          '2',
          '3',
          '4',
          '5',
        ]);
        for (const letter of letters) {
          const envelope = envelopes.find((e) => e.source.offset === letter.record.offset);
          expect(decoded(envelope).equals(Buffer.from(letter.record.value ?? []))).toBe(true);
        }
      },
      SLOW_MS,
    );
  });
}
