import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { keyHashPartitioner, murmur2 } from '../../adapters/kafka/key-hash-partitioner';
import { healthyPartitions } from '../support/kafka-partition-metadata';

// kafkajs's own implementation: the reference this one must equal bit for bit
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;

describe('keyHashPartitioner', () => {
  it('hashes like kafkajs (and the Java client) for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('known values of the Java client (Kafka UtilsTest.testMurmur2)', () => {
    // from Kafka's clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, hash] of cases) expect(murmur2(Buffer.from(text))).toBe(hash);
  });

  it('puts every keyed message where kafkajs would, and leaves the rest to kafkajs', () => {
    const ours = keyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })),
        fc.integer({ min: 1, max: 64 }),
        fc.option(fc.nat(63), { nil: undefined }),
        (key, partitions, partition) => {
          const args = {
            topic: 'ad_events',
            partitionMetadata: healthyPartitions(partitions),
            message: { key, value: null, ...(partition !== undefined ? { partition } : {}) },
          };
          expect(ours(args)).toBe(theirs(args));
        },
      ),
      { numRuns: 2000 },
    );
    const unkeyed = {
      topic: 't',
      partitionMetadata: healthyPartitions(4),
      message: { key: null, value: 'x' },
    };
    expect(ours(unkeyed)).toBeGreaterThanOrEqual(0);
    expect(ours(unkeyed)).toBeLessThan(4);
  });
});
