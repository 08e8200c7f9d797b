import fc from 'fast-check';
import { isConserved } from '../../../domain/batch-counts';
import { initialPipelineState } from '../../../domain/pipeline-state';
import { processBatch } from '../../../domain/process-batch';
import { REJECTION_REASONS } from '../../../domain/rejection';
import { NOW } from '../../support/domain-fixtures';
import { garbageRecord, mixedTraffic, PROPERTY_RULES } from './traffic-arbitraries';

describe('count conservation (property)', () => {
  it('received = accepted + rejected + duplicates, every record accounted for once, never throws', () => {
    fc.assert(
      fc.property(mixedTraffic({ garbage: true }), fc.boolean(), (records, endOfInput) => {
        const outcome = processBatch(initialPipelineState(PROPERTY_RULES), records, NOW, {
          endOfInput,
        });
        const { counts } = outcome;
        expect(counts.received).toBe(records.length);
        expect(isConserved(counts)).toBe(true);
        expect(
          outcome.accepted.length + outcome.rejections.length + outcome.duplicates.length,
        ).toBe(records.length);
        expect(counts.accepted).toBe(outcome.accepted.length);
        expect(counts.rejected).toBe(outcome.rejections.length);
        expect(counts.duplicates).toBe(outcome.duplicates.length);
        const byReason = Object.values(counts.rejectedByReason).reduce((a, b) => a + b, 0);
        expect(byReason).toBe(counts.rejected);
        for (const r of outcome.rejections) expect(REJECTION_REASONS).toContain(r.rejection.reason);
        // every record's coordinates appear in exactly one of the three outputs
        const seen = [
          ...outcome.accepted.map((e) => e.source),
          ...outcome.rejections.map((r) => r.source),
          ...outcome.duplicates.map((d) => d.source),
        ];
        expect(seen.map((s) => s.offset).sort()).toEqual(
          records.map((r) => r.source.offset).sort(),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('garbage alone is all rejected, never accepted, never throws', () => {
    fc.assert(
      fc.property(fc.array(garbageRecord, { maxLength: 30 }), (records) => {
        const outcome = processBatch(initialPipelineState(PROPERTY_RULES), records, NOW);
        expect(outcome.accepted).toEqual([]);
        expect(outcome.counts.rejected).toBe(records.length);
        for (const r of outcome.rejections) {
          expect(r.rejection.detail).toMatch(/^[\x20-\x7e]*$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
