import fc from 'fast-check';
import { initialPipelineState } from '../../../domain/pipeline-state';
import { processBatch, type BatchOutcome } from '../../../domain/process-batch';
import type { SourceRecord } from '../../../domain/source-record';
import { NOW } from '../../support/domain-fixtures';
import { mixedTraffic, PROPERTY_RULES, splitAt } from './traffic-arbitraries';

type Results = Pick<BatchOutcome, 'accepted' | 'duplicates' | 'rejections' | 'attributions'>;

function runInBatches(batches: readonly SourceRecord[][]): Results {
  let state = initialPipelineState(PROPERTY_RULES);
  const results: Results = { accepted: [], duplicates: [], rejections: [], attributions: [] };
  batches.forEach((batch, i) => {
    const outcome = processBatch(state, batch, NOW, { endOfInput: i === batches.length - 1 });
    state = outcome.state;
    results.accepted.push(...outcome.accepted);
    results.duplicates.push(...outcome.duplicates);
    results.rejections.push(...outcome.rejections);
    results.attributions.push(...outcome.attributions);
  });
  return results;
}

describe('batch boundaries (property)', () => {
  it('splitting the same records into batches differently gives the same results', () => {
    fc.assert(
      fc.property(
        mixedTraffic({ garbage: true }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (records, cutsA, cutsB) => {
          const a = runInBatches(splitAt(records, cutsA));
          const b = runInBatches(splitAt(records, cutsB));
          expect(b).toEqual(a);
          expect(runInBatches([records])).toEqual(a);
        },
      ),
      { numRuns: 150 },
    );
  });
});
