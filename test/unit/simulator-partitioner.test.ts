import { murmur2 } from '../../adapters/kafka/key-hash-partitioner';
import { partitionForKey } from '../../src/simulator/partitioner';

describe('partitionForKey', () => {
  it("computes Kafka's murmur2 (vectors from Kafka's UtilsTest and other clients)", () => {
    const vectors: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
      '1': -1993445489,
      '12': 126087238,
      '123': -267702483,
      '1234': -1614185708,
      '12345': -1188365604,
    };
    for (const [key, hash] of Object.entries(vectors))
      expect({ key, hash: murmur2(Buffer.from(key)) }).toEqual({ key, hash });
  });

  it('spreads user ids over every partition', () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const p = partitionForKey(`user-${i}`, 3);
      seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1, 2]);
    for (const n of seen.values()) expect(n).toBeGreaterThan(800);
  });
});
