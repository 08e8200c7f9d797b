import fc from 'fast-check';
import { DAY_MS, HOUR_MS } from '../../../domain/event-time';
import { initialPipelineState } from '../../../domain/pipeline-state';
import { processBatch } from '../../../domain/process-batch';
import { pipelineRules, type PipelineRules } from '../../../domain/rules';
import type { SourceRecord } from '../../../domain/source-record';
import { attributionsById, NOW } from '../../support/domain-fixtures';
import {
  LATENESS_MS,
  partitionOfUser,
  PROPERTY_RULES,
  toRecord,
  trafficEvents,
  type TrafficEvent,
} from './traffic-arbitraries';

const RULE_SETS: [string, PipelineRules, number][] = [
  ['dense traffic, short windows', PROPERTY_RULES, 2 * HOUR_MS],
  ['short windows, last click', PROPERTY_RULES, 8 * HOUR_MS],
  [
    'short windows, first click',
    { ...PROPERTY_RULES, conversionModel: 'first_click' },
    8 * HOUR_MS,
  ],
  ['default windows', pipelineRules(), 3 * DAY_MS],
];

/**
 * An arrival order within the lateness bound: each event is delayed by 0..lateness and events
 * arrive in order of (event time + delay). Anything arriving after e was due no later than e,
 * so no event arrives more than the allowed lateness behind the max event time seen before it.
 */
function arrivalOrder(events: readonly TrafficEvent[], delays: readonly number[]): TrafficEvent[] {
  return events
    .map((event, i) => ({ event, due: event.time + (delays[i] ?? 0), i }))
    .sort((a, b) => a.due - b.due || a.i - b.i)
    .map((x) => x.event);
}

function withinBound(arrival: readonly TrafficEvent[], latenessMs: number): boolean {
  const maxSeen = new Map<number, number>();
  return arrival.every((event) => {
    const partition = partitionOfUser(event.user);
    const max = maxSeen.get(partition) ?? event.time;
    maxSeen.set(partition, Math.max(max, event.time));
    return event.time >= max - latenessMs;
  });
}

function attribute(rules: PipelineRules, arrival: readonly TrafficEvent[]) {
  const records: SourceRecord[] = arrival.map((event, offset) => toRecord(event, offset));
  const outcome = processBatch(initialPipelineState(rules), records, NOW, { endOfInput: true });
  return attributionsById(outcome.attributions);
}

/** Distinct events plus some exact redeliveries, sorted by event time. */
const traffic = (spanMs: number) =>
  fc
    .tuple(trafficEvents(spanMs, 40), fc.array(fc.nat(), { maxLength: 6 }))
    .map(([events, copies]) =>
      [
        ...events,
        ...(events.length ? copies.map((i) => events[i % events.length] as TrafficEvent) : []),
      ].sort((a, b) => a.time - b.time),
    );

describe.each(RULE_SETS)(
  'attribution does not depend on arrival order (%s)',
  (_name, rules, span) => {
    it('any arrival order within the lateness bound gives the same attributions as time order', () => {
      fc.assert(
        fc.property(
          traffic(span).chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.array(fc.nat({ max: LATENESS_MS }), {
                minLength: events.length,
                maxLength: events.length,
              }),
            ),
          ),
          ([sorted, delays]) => {
            const arrival = arrivalOrder(sorted, delays);
            expect(withinBound(arrival, rules.allowedLatenessMs)).toBe(true);
            const inOrder = attribute(rules, sorted);
            const shuffled = attribute(rules, arrival);
            expect(shuffled).toEqual(inOrder);
            for (const a of shuffled.values()) expect(a.late).toBe(false);
            const waiting = sorted.filter((e) => e.kind === 'click' || e.kind === 'conversion');
            expect(shuffled.size).toBe(new Set(waiting.map((e) => e.id)).size);
          },
        ),
        { numRuns: 150 },
      );
    });
  },
);

describe('the bound matters', () => {
  it('an impression arriving beyond the lateness bound is missed: the click was released before it', () => {
    const later = NOW - DAY_MS + HOUR_MS;
    const events: TrafficEvent[] = [
      { kind: 'click', id: 'click-1', user: 0, campaign: 0, time: NOW - DAY_MS },
      // every input of the group moves an hour on, so the click is released
      { kind: 'bid_request', id: 'bid-1', user: 0, campaign: 0, time: later },
      { kind: 'impression', id: 'imp-2', user: 2, campaign: 0, time: later },
      { kind: 'conversion', id: 'conv-2', user: 2, campaign: 0, time: later },
      { kind: 'impression', id: 'imp-1', user: 0, campaign: 0, time: NOW - DAY_MS - 1 },
    ];
    const rules = pipelineRules();
    expect(withinBound(events, rules.allowedLatenessMs)).toBe(false);
    expect(attribute(rules, events).get('click:click-1')).toMatchObject({
      model: 'unattributed',
      late: false,
    });
    const inOrder = [events[4], ...events.slice(0, 4)] as TrafficEvent[];
    expect(attribute(rules, inOrder).get('click:click-1')?.model).toBe('lookback');
  });
});
