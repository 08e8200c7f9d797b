/**
 * The streaming core against the offline reference (test/support/offline-reference.ts): for any
 * split of each topic-partition into batches and any interleaving of the topics' batches, with
 * each topic-partition read in offset order and its records within the lateness bound of event
 * time order, the accepted events, duplicates, rejections and every attribution equal the
 * reference's, and the state is the fold of the domain events.
 */
import fc from 'fast-check';
import type { Attribution } from '../../../domain/attribution-types';
import type { DomainEvent } from '../../../domain/domain-events';
import { DAY_MS, HOUR_MS } from '../../../domain/event-time';
import { initialPipelineState, replay } from '../../../domain/pipeline-state';
import { processBatch, type BatchOutcome } from '../../../domain/process-batch';
import { pipelineRules, type PipelineRules } from '../../../domain/rules';
import {
  asReferenceCredit,
  at,
  creditKey,
  referenceOutcome,
  type ReferenceOutcome,
} from '../../support/offline-reference';
import { NOW, T0, TOPIC_NAMES } from '../../support/domain-fixtures';
import {
  catchUpInput,
  randomOrder,
  SCHEDULES,
  type CatchUpInput,
  type Schedule,
} from './topic-partition-arbitraries';
import { PROPERTY_RULES } from './traffic-arbitraries';

const INPUTS = Object.values(TOPIC_NAMES);

interface StreamingResult {
  readonly outcome: Omit<ReferenceOutcome, 'attributions'> & {
    readonly attributions: Map<string, ReturnType<typeof asReferenceCredit>>;
  };
  readonly attributions: Attribution[];
  readonly events: DomainEvent[];
  readonly state: BatchOutcome['state'];
}

/** Feeds the batches in the schedule's order, idles exhausted inputs as asked, then ends the input. */
function stream(input: CatchUpInput, schedule: Schedule, rules: PipelineRules): StreamingResult {
  let state = initialPipelineState(rules, INPUTS);
  const attributions: Attribution[] = [];
  const events: DomainEvent[] = [];
  const outcome: StreamingResult['outcome'] = {
    accepted: new Map(),
    duplicates: new Map(),
    rejections: new Map(),
    attributions: new Map(),
  };
  const take = (result: BatchOutcome): void => {
    state = result.state;
    for (const e of result.accepted) outcome.accepted.set(at(e.source), e);
    for (const d of result.duplicates)
      outcome.duplicates.set(at(d.source), `${d.eventType}:${d.eventId}`);
    for (const r of result.rejections) outcome.rejections.set(at(r.source), r.rejection.reason);
    attributions.push(...result.attributions);
    events.push(...result.events);
  };
  for (const step of schedule(input)) {
    take(processBatch(state, step.records, NOW, step.idle ? { idleInputs: step.idle } : {}));
  }
  take(processBatch(state, [], NOW, { endOfInput: true }));
  for (const a of attributions)
    outcome.attributions.set(
      creditKey(a.partition, a.eventType, a.eventId, a.eventTime),
      asReferenceCredit(a),
    );
  return { outcome, attributions, events, state };
}

function expectReference(input: CatchUpInput, schedule: Schedule, rules: PipelineRules): void {
  const expected = referenceOutcome(input.topicPartitions.values(), rules, NOW);
  const actual = stream(input, schedule, rules);
  expect(actual.outcome.rejections).toEqual(expected.rejections);
  expect(actual.outcome.duplicates).toEqual(expected.duplicates);
  expect(actual.outcome.accepted).toEqual(expected.accepted);
  expect(actual.outcome.attributions).toEqual(expected.attributions);
  // each click and conversion once, and none of them late: the input kept the lateness bound
  expect(actual.attributions).toHaveLength(expected.attributions.size);
  expect(actual.attributions.filter((a) => a.late)).toEqual([]);
  // the state is only ever the fold of the domain events
  expect(replay(rules, actual.events, INPUTS)).toEqual(actual.state);
}

const RULE_SETS: [string, PipelineRules, number][] = [
  ['short windows, last click', PROPERTY_RULES, 8 * HOUR_MS],
  [
    'short windows, first click',
    { ...PROPERTY_RULES, conversionModel: 'first_click' },
    8 * HOUR_MS,
  ],
  ['short windows, no view-through', { ...PROPERTY_RULES, viewThroughWindowMs: 0 }, 8 * HOUR_MS],
  ['default windows over three days', pipelineRules(), 3 * DAY_MS],
];

describe.each(RULE_SETS)('streaming equals the offline reference (%s)', (_name, rules, span) => {
  it.each(Object.keys(SCHEDULES))('with %s', (name) => {
    const schedule = SCHEDULES[name] as fc.Arbitrary<Schedule>;
    fc.assert(
      fc.property(catchUpInput(rules, span), schedule, (input, order) =>
        expectReference(input, order, rules),
      ),
      { numRuns: 60 },
    );
  });
});

describe('a replay of the same period loses nothing', () => {
  it('the second copy is all duplicates, no valid record is rejected as late, attributions stand', () => {
    const rules = pipelineRules();
    fc.assert(
      fc.property(catchUpInput(rules, 3 * DAY_MS, { noise: false }), randomOrder, (once, order) => {
        const twice = once.repeated();
        const single = referenceOutcome(once.topicPartitions.values(), rules, NOW);
        const actual = stream(twice, order, rules);
        expect(actual.outcome.accepted).toEqual(single.accepted);
        expect(actual.outcome.rejections).toEqual(new Map());
        expect(actual.outcome.duplicates.size).toBe(
          2 * single.duplicates.size + single.accepted.size,
        );
        expect(actual.outcome.attributions).toEqual(single.attributions);
        expectReference(twice, order, rules);
      }),
      { numRuns: 60 },
    );
  });
});

describe('records further behind than the retention', () => {
  it('are rejected as late_beyond_retention by their own topic-partition, whatever the interleaving', () => {
    const rules = PROPERTY_RULES;
    fc.assert(
      fc.property(
        catchUpInput(rules, 8 * HOUR_MS, { beyondRetention: T0 - DAY_MS }),
        randomOrder,
        (input, order) => expectReference(input, order, rules),
      ),
      { numRuns: 100 },
    );
  });
});
