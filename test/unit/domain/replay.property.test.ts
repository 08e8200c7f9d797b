import fc from 'fast-check';
import type { DomainEvent } from '../../../domain/domain-events';
import { initialPipelineState, replay } from '../../../domain/pipeline-state';
import { processBatch } from '../../../domain/process-batch';
import { NOW } from '../../support/domain-fixtures';
import { mixedTraffic, PROPERTY_RULES, splitAt } from './traffic-arbitraries';

describe('replay (property)', () => {
  it('state rebuilt from the domain events of several batches deep-equals the live state', () => {
    fc.assert(
      fc.property(
        mixedTraffic({ garbage: true }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        (records, cuts, endOfInput) => {
          let state = initialPipelineState(PROPERTY_RULES);
          const log: DomainEvent[] = [];
          const batches = splitAt(records, cuts);
          batches.forEach((batch, i) => {
            const last = i === batches.length - 1;
            const outcome = processBatch(state, batch, NOW, { endOfInput: last && endOfInput });
            state = outcome.state;
            log.push(...outcome.events);
          });
          const rebuilt = replay(PROPERTY_RULES, log);
          expect(rebuilt).toStrictEqual(state);
          expect(rebuilt.partitions).toEqual(state.partitions);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a replayed state continues exactly like the live one', () => {
    fc.assert(
      fc.property(mixedTraffic(), mixedTraffic(), (first, second) => {
        const live = processBatch(initialPipelineState(PROPERTY_RULES), first, NOW);
        const rebuilt = replay(PROPERTY_RULES, live.events);
        const fromLive = processBatch(live.state, second, NOW, { endOfInput: true });
        const fromReplay = processBatch(rebuilt, second, NOW, { endOfInput: true });
        expect(fromReplay.events).toEqual(fromLive.events);
      }),
      { numRuns: 80 },
    );
  });
});
