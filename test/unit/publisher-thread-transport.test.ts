/**
 * What crosses to the publisher thread and back: the packed ad_events messages (one transferable
 * buffer) and the errors of its sends, which must classify as the same outage once revived.
 */
import fc from 'fast-check';
import type { AdEvent, EventType } from '../../domain';
import {
  adEventMessages,
  packAdEvents,
  unpackMessages,
  messagesFromClone,
  deadLetterMessages,
} from '../../adapters/kafka/publisher-messages';
import { describeError, reviveError } from '../../adapters/kafka/thread-errors';
import { DependencyUnavailableError } from '../../adapters/resilience/dependency-policy';
import { adEventType } from '../../src/contracts/ad-event-type';
import { loadConfig } from '../../src/config/config';
import { outageClassifier } from '../../src/container/outage-classifier';
import { adEvent } from '../conformance/support/conformance-kit';

const schema = { id: 17, type: adEventType() };
const TYPES: EventType[] = ['impression', 'click', 'conversion', 'bid_request'];

const events = fc.array(
  fc.record({
    type: fc.constantFrom(...TYPES),
    id: fc.string({ minLength: 1, maxLength: 40 }),
    user: fc.string({ minLength: 0, maxLength: 70 }),
    time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    country: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
  }),
  { maxLength: 60 },
);

function build(
  specs: readonly { type: EventType; id: string; user: string; time: number; country?: string }[],
): AdEvent[] {
  return specs.map((s) =>
    adEvent(s.type, s.id, s.time, {
      userId: s.user,
      ...(s.country !== undefined ? { country: s.country } : {}),
    }),
  );
}

describe('packed ad_events messages', () => {
  it('unpack to the keys and framed values the in-thread publisher sends', () => {
    fc.assert(
      fc.property(events, (specs) => {
        const batch = build(specs);
        const packed = packAdEvents(schema, batch);
        // a clone with the buffers transferred, as postMessage hands them over
        const crossed = structuredClone(packed, {
          transfer: [packed.values.buffer as ArrayBuffer, packed.ends.buffer as ArrayBuffer],
        });
        const unpacked = unpackMessages(crossed);
        const expected = adEventMessages(schema, batch);
        expect(unpacked.map((m) => m.key)).toEqual(expected.map((m) => m.key));
        expect(unpacked.map((m) => Buffer.from(m.value as Buffer).toString('hex'))).toEqual(
          expected.map((m) => (m.value as Buffer).toString('hex')),
        );
        expect(unpacked.every((m) => Buffer.isBuffer(m.value))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('packs into buffers of their own, never a slice of the shared pool', () => {
    const packed = packAdEvents(schema, build([{ type: 'click', id: 'c', user: 'u', time: 1 }]));
    expect(packed.values.byteOffset).toBe(0);
    expect(packed.values.buffer.byteLength).toBe(packed.values.byteLength);
    expect(packed.ends.buffer.byteLength).toBe(packed.ends.byteLength);
  });

  it('dead-letter messages keep Buffer keys after a structured clone', () => {
    const letters = deadLetterMessages(
      [
        {
          record: {
            topic: 'clicks',
            partition: 1,
            offset: '9',
            key: Buffer.from('user-9'),
            value: Buffer.from('not,a,click'),
            headers: {},
            timestamp: '0',
          },
          rejection: { reason: 'missing_field', path: '$.event_id', detail: 'three columns' },
          format: 'csv',
        },
      ],
      0,
      'test',
    );
    const [back] = messagesFromClone(structuredClone(letters));
    expect(Buffer.isBuffer(back?.key)).toBe(true);
    expect(back?.key?.toString()).toBe('user-9');
    expect(back?.value).toBe(letters[0]?.value);
    expect(back?.headers).toEqual(letters[0]?.headers);
  });
});

describe('errors from the publisher thread', () => {
  const classify = outageClassifier(
    loadConfig({
      ADX_PROFILE: 'real',
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      DATABASE_URL: 'postgresql://x@127.0.0.1:5432/db',
      ADX_PSEUDONYMIZATION_KEY: '7e57'.repeat(16),
    }),
  );
  const crossed = (error: unknown): Error => reviveError(structuredClone(describeError(error)));

  const kafkaError = (name: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} happened`), { name, ...extra });

  const cases: [string, unknown][] = [
    ['a breaker that opened', new DependencyUnavailableError('kafka', 'breaker_open', 'open')],
    ['a connection error', kafkaError('KafkaJSConnectionError', { retriable: true })],
    [
      'retries exceeded, caused by a refused socket',
      kafkaError('KafkaJSNumberOfRetriesExceeded', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), {
          code: 'ECONNREFUSED',
          port: 9092,
        }),
      }),
    ],
    [
      'an aggregate of socket errors',
      new AggregateError(
        [Object.assign(new Error('refused'), { code: 'ECONNREFUSED', port: 9092 })],
        'all failed',
      ),
    ],
    [
      'a refused request',
      kafkaError('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }),
    ],
    ['a plain error', new Error('boom')],
    ['not an Error at all', 'a string'],
  ];

  it.each(cases)('%s classifies as the same outage once revived', (_what, error) => {
    expect(classify(crossed(error))).toBe(classify(error));
  });

  it('keeps the classification the outage tests rely on: Kafka down is a kafka outage', () => {
    expect(classify(crossed(cases[1]?.[1]))).toBe('kafka');
    expect(classify(crossed(cases[2]?.[1]))).toBe('kafka');
    expect(classify(crossed(cases[5]?.[1]))).toBeUndefined();
  });

  it('revives a policy refusal as a DependencyUnavailableError, with the message and stack', () => {
    const original = new DependencyUnavailableError('kafka', 'timed_out', 'kafka: timed out');
    const revived = crossed(original);
    expect(revived).toBeInstanceOf(DependencyUnavailableError);
    expect(revived).toMatchObject({ dependency: 'kafka', why: 'timed_out' });
    expect(revived.message).toBe('kafka: timed out');
    expect(revived.stack).toBe(original.stack);
  });

  it('keeps a refused request as not transient (retriable false, its type)', () => {
    const revived = crossed(kafkaError('KafkaJSProtocolError', { retriable: false, type: 'X' }));
    expect(revived).toMatchObject({ name: 'KafkaJSProtocolError', retriable: false, type: 'X' });
  });

  it('cuts a cause chain that loops', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(() => crossed(a)).not.toThrow();
  });
});
