import fc from 'fast-check';
import { eventKey } from '../../../domain/ad-event';
import { initialPipelineState } from '../../../domain/pipeline-state';
import { processBatch } from '../../../domain/process-batch';
import { NOW } from '../../support/domain-fixtures';
import { mixedTraffic, PROPERTY_RULES } from './traffic-arbitraries';

describe('idempotence of effect (property)', () => {
  it('processing the same records again accepts nothing new: all duplicates or rejections', () => {
    fc.assert(
      fc.property(mixedTraffic(), (records) => {
        const once = processBatch(initialPipelineState(PROPERTY_RULES), records, NOW);
        const acceptedOnce = once.accepted.map(eventKey).sort();
        const again = processBatch(once.state, records, NOW);

        expect(again.accepted).toEqual([]);
        expect(again.duplicates.length + again.rejections.length).toBe(records.length);
        const acceptedTotal = [...once.accepted, ...again.accepted].map(eventKey).sort();
        expect(acceptedTotal).toEqual(acceptedOnce);
        // each record accepted the first time is now a duplicate, or too late to be checked
        const secondTime = new Map<string, string>([
          ...again.duplicates.map((d): [string, string] => [d.source.offset, 'duplicate']),
          ...again.rejections.map((r): [string, string] => [r.source.offset, r.rejection.reason]),
        ]);
        for (const event of once.accepted) {
          expect(['duplicate', 'late_beyond_retention']).toContain(
            secondTime.get(event.source.offset),
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a record rejected once is rejected again for the same reason', () => {
    fc.assert(
      fc.property(mixedTraffic({ garbage: true }), (records) => {
        const once = processBatch(initialPipelineState(PROPERTY_RULES), records, NOW);
        const again = processBatch(once.state, records, NOW);
        const reasons = (o: typeof once) =>
          new Map(o.rejections.map((r) => [r.source.offset, r.rejection.reason]));
        for (const [offset, reason] of reasons(once)) {
          expect([offset, reasons(again).get(offset)]).toEqual([offset, reason]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
