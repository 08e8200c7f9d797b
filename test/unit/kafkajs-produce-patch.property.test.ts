import fc from 'fast-check';
import {
  KafkaLong,
  groupMessagesPerPartition,
  patchedProduceRequest,
  referenceProduceRequest,
  type PartitionData,
  type ProduceRequestArgs,
  type ProducedMessage,
} from '../support/kafkajs-produce-reference';
import { healthyPartitions } from '../support/kafka-partition-metadata';

const DATE_NOW = 1_764_000_000_000;

const bytes = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
);

/** what the publisher sends: keyed Avro values, no timestamps, no headers */
const plainMessage: fc.Arbitrary<ProducedMessage> = fc.record({ key: bytes, value: bytes });

/** what only kafkajs's own path encodes: headers (dead letters) or producer timestamps */
const otherMessage: fc.Arbitrary<ProducedMessage> = fc.oneof(
  fc.record({
    key: bytes,
    value: bytes,
    headers: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.string({ maxLength: 12 }),
      {
        minKeys: 1,
        maxKeys: 3,
      },
    ),
  }),
  fc.record({
    key: bytes,
    value: bytes,
    timestamp: fc.integer({ min: DATE_NOW - 1e9, max: DATE_NOW + 1e9 }).map(String),
  }),
);

function requestOf(message: fc.Arbitrary<ProducedMessage>): fc.Arbitrary<ProduceRequestArgs> {
  const partition: fc.Arbitrary<PartitionData> = fc.record({
    partition: fc.nat(63),
    firstSequence: fc.nat(2 ** 31 - 1),
    messages: fc.array(message, { minLength: 1, maxLength: 40 }),
  });
  return fc.record({
    acks: fc.constantFrom(-1, 1),
    timeout: fc.nat(60_000),
    transactionalId: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: null }),
    producerId: fc.oneof(fc.constant(-1), fc.nat(2 ** 40)).map((id) => KafkaLong.fromValue(id)),
    producerEpoch: fc.nat(32_767),
    topicData: fc.array(
      fc.record({
        topic: fc.string({ minLength: 1, maxLength: 20 }),
        partitions: fc.array(partition, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  });
}

async function encodedByPatch(args: ProduceRequestArgs): Promise<Buffer> {
  return (await patchedProduceRequest(args).encode()).buffer;
}

describe('the kafkajs produce patch', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(DATE_NOW));
  afterEach(() => jest.restoreAllMocks());

  it('writes the bytes kafkajs writes for the messages the publisher sends', async () => {
    await fc.assert(
      fc.asyncProperty(requestOf(plainMessage), async (args) => {
        expect(await encodedByPatch(args)).toEqual(await referenceProduceRequest(args, DATE_NOW));
      }),
      { numRuns: 400 },
    );
  });

  it('leaves messages with headers or timestamps, mixed in or alone, to kafkajs', async () => {
    await fc.assert(
      fc.asyncProperty(requestOf(fc.oneof(plainMessage, otherMessage)), async (args) => {
        expect(await encodedByPatch(args)).toEqual(await referenceProduceRequest(args, DATE_NOW));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a full 2,000-record send of ~300-byte values as kafkajs does', async () => {
    const messages = Array.from({ length: 2000 }, (_, i) => ({
      key: `u-${i.toString(36).padStart(20, '0')}`,
      value: Buffer.alloc(200 + (i % 150), i % 251),
    }));
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 30_000,
      producerId: KafkaLong.fromValue(4711),
      producerEpoch: 2,
      topicData: [
        { topic: 'ad_events', partitions: [{ partition: 1, firstSequence: 9, messages }] },
      ],
    };
    const patched = await encodedByPatch(args);
    expect(patched.length).toBeGreaterThan(2000 * 200);
    expect(patched).toEqual(await referenceProduceRequest(args, DATE_NOW));
  });

  it('groups messages per partition in their order, as a plain fold does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(1_000_000), { maxLength: 300 }),
        fc.integer({ min: 1, max: 12 }),
        (ids, partitions) => {
          const messages = ids.map((id) => ({ key: String(id), value: null }));
          const partitioner = ({ message }: { message: ProducedMessage }): number =>
            Number(message.key) % partitions;
          const expected: Record<string, ProducedMessage[]> = {};
          for (const m of messages) (expected[partitioner({ message: m })] ??= []).push(m);
          const grouped = groupMessagesPerPartition({
            topic: 't',
            partitionMetadata: healthyPartitions(partitions),
            messages,
            partitioner,
          });
          expect(grouped).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('groups nothing for a topic without partition metadata', () => {
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages: [{ value: 'x' }],
        partitioner: () => 0,
      }),
    ).toEqual({});
  });
});
