import fc from 'fast-check';
import {
  checkRebuild,
  describePartition,
  DEFAULT_INPUTS,
  rebuildPartition,
  restoreFromSnapshot,
  settlePartition,
} from '../../../domain';
import { commitUnits, type Unit } from './committed-units';
import { mixedTraffic, PROPERTY_RULES, splitAt } from './traffic-arbitraries';

const rules = PROPERTY_RULES;

/** Traffic cut into units of work, each group snapshotting (and trimming) after random ones. */
const servedUnits = fc
  .tuple(
    mixedTraffic(),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.array(fc.boolean(), { minLength: 26, maxLength: 26 }),
    fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
    fc.integer({ min: 1, max: 6 }),
  )
  .map(([records, cuts, snapshotFlags, idleFlags, chunkEntries]): Unit[] =>
    splitAt(records, cuts).map((batch, i) => ({
      records: batch,
      // bid requests go quiet now and then, so the watermark moves without them
      ...(idleFlags[i]
        ? { idle: [0, 1].map((partition) => ({ topic: 'bid_requests', partition })) }
        : {}),
      snapshot: (partition) => snapshotFlags[2 * i + partition] ?? false,
      chunkEntries,
    })),
  );

describe('rebuilding a group from its changelog (property)', () => {
  it('folding the retained log equals the snapshot plus the entries after it, once both are settled', async () => {
    let runsWithTrim = 0;
    await fc.assert(
      fc.asyncProperty(servedUnits, fc.boolean(), async (units, endOfInput) => {
        const { store, state, trimmed } = await commitUnits(rules, units, { endOfInput });
        if (trimmed > 0) runsWithTrim++;
        for (const partition of await store.partitions()) {
          const stored = await store.readState(partition);
          const held = state.partitions.get(partition);
          if (!held) throw new Error(`group ${partition} is stored but not held`);
          // the owner's restore path gives back exactly what it held, expiry bookkeeping aside
          const live = restoreFromSnapshot(
            partition,
            DEFAULT_INPUTS,
            stored.snapshot,
            stored.log,
            rules,
          );
          expect(describePartition(live)).toEqual(describePartition(held));
          const rebuilt = rebuildPartition(partition, DEFAULT_INPUTS, stored.log, rules);
          expect(describePartition(settlePartition(rebuilt, rules))).toEqual(
            describePartition(settlePartition(held, rules)),
          );
          const check = checkRebuild(partition, DEFAULT_INPUTS, stored, rules);
          expect(check.differences).toEqual([]);
          expect(check.equal).toBe(true);
          expect(check.entries).toBe(stored.log.entries.length);
        }
      }),
      { numRuns: 150 },
    );
    // the trim is what makes the two differ before settling: the runs must include it
    expect(runsWithTrim).toBeGreaterThan(10);
  });
});
