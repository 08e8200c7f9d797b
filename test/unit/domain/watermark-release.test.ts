import { HOUR_MS } from '../../../domain/event-time';
import { processBatch, type BatchOutcome } from '../../../domain/process-batch';
import type { SourceRecord } from '../../../domain/source-record';
import {
  bidRequest,
  click,
  conversion,
  creditOf,
  freshState,
  impression,
  MINUTE_MS,
  NOW,
  runBatch,
  T0,
} from '../../support/domain-fixtures';

const LATENESS = 10 * MINUTE_MS;

/** A record on every source topic at `time`, from a user no test is about: moves every input. */
function everyInputAt(time: number, partition = 0): SourceRecord[] {
  const other = { user: 'u-tick', campaign: 'c-tick', partition };
  return [
    impression({ id: `tick-imp-${time}`, time, ...other }),
    conversion({ id: `tick-conv-${time}`, time, ...other }),
    bidRequest({ id: `tick-bid-${time}`, time, ...other }),
  ];
}

/** The attributions of the records under test (the ticks' own are left out). */
const released = (outcome: BatchOutcome): string[] =>
  outcome.attributions.filter((a) => !a.eventId.startsWith('tick-')).map((a) => a.eventId);

const pendingIds = (outcome: BatchOutcome, partition = 0): string[] =>
  (outcome.state.partitions.get(partition)?.attribution.pending ?? [])
    .map((p) => p.id)
    .filter((id) => !id.startsWith('tick-'));

describe("a group's watermark is the minimum over its inputs (max event time - lateness each)", () => {
  it('a click waits while any input has not passed it', () => {
    const outcome = runBatch([
      click({ id: 'clk', time: T0 }),
      impression({ id: 'other', time: T0 + HOUR_MS, user: 'user-2' }),
      bidRequest({ id: 'bid', time: T0 + HOUR_MS, user: 'user-2' }),
    ]);
    // the clicks topic itself is only at T0: its watermark is T0 - lateness
    expect(released(outcome)).toEqual([]);
    expect(pendingIds(outcome)).toEqual(['clk']);
  });

  it('is released once every input is 1 ms past the lateness, and not at exactly the lateness', () => {
    const at = runBatch([click({ id: 'clk', time: T0 }), ...everyInputAt(T0 + LATENESS)]);
    expect(released(at)).toEqual([]);
    const past = runBatch([click({ id: 'clk', time: T0 }), ...everyInputAt(T0 + LATENESS + 1)]);
    expect(past.attributions).toContainEqual(
      expect.objectContaining({ eventId: 'clk', model: 'unattributed', late: false }),
    );
    expect(pendingIds(past)).toEqual([]);
  });

  it('a fast topic does not release clicks before a slower topic has delivered their impressions', () => {
    // the clicks topic is read a day ahead (a catch-up), the impressions topic after it
    const clicksFirst = processBatch(
      freshState(),
      [
        click({ id: 'clk', time: T0 }),
        ...Array.from({ length: 24 }, (_, h) =>
          click({ id: `tick-clk-${h}`, time: T0 + (h + 1) * HOUR_MS, user: 'u-tick' }),
        ),
        bidRequest({ id: 'bid', time: T0 + 25 * HOUR_MS }),
      ],
      NOW,
    );
    expect(released(clicksFirst)).toEqual([]);
    const then = processBatch(
      clicksFirst.state,
      [
        impression({ id: 'imp', time: T0 - 5 * MINUTE_MS }),
        impression({ id: 'later', time: T0 + 25 * HOUR_MS, user: 'u-other' }),
      ],
      NOW,
    );
    expect(creditOf(then, 'clk')).toBe('lookback imp');
  });

  it('waits across batches, so an impression arriving later (within the bound) is still credited', () => {
    const first = processBatch(freshState(), [click({ id: 'clk', time: T0 })], NOW);
    expect(first.attributions).toEqual([]);
    const second = processBatch(
      first.state,
      [impression({ id: 'imp', time: T0 - MINUTE_MS }), ...everyInputAt(T0 + HOUR_MS)],
      NOW,
    );
    expect(creditOf(second, 'clk')).toBe('lookback imp');
  });

  it('releases in event-time order, whatever the arrival order', () => {
    const outcome = runBatch([
      click({ id: 'clk-b', time: T0 + 2 }),
      click({ id: 'clk-a', time: T0 + 1 }),
      conversion({ id: 'conv', time: T0 }),
      ...everyInputAt(T0 + HOUR_MS),
    ]);
    expect(released(outcome)).toEqual(['conv', 'clk-a', 'clk-b']);
  });

  it('is per partition: inputs of partition 1 do not release partition 0', () => {
    const outcome = runBatch([
      click({ id: 'clk', time: T0, partition: 0 }),
      ...everyInputAt(T0 + HOUR_MS, 1),
    ]);
    expect(released(outcome)).toEqual([]);
  });

  it('rejected records and duplicates do not move the watermark', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp', time: T0 }),
        click({ id: 'clk', time: T0 }),
        impression({ id: 'imp', time: T0 + HOUR_MS }),
        click({ id: 'bad', time: T0 + HOUR_MS, campaign: '' }),
      ],
      { inputs: ['impressions', 'clicks'] },
    );
    expect(outcome.duplicates).toHaveLength(1);
    expect(outcome.rejections).toHaveLength(1);
    expect(outcome.attributions).toEqual([]);
  });

  it('uses the configured lateness', () => {
    const records = () => [click({ id: 'clk', time: T0 }), ...everyInputAt(T0 + 1)];
    expect(released(runBatch(records(), { rules: { allowedLatenessMs: 0 } }))).toEqual(['clk']);
    expect(released(runBatch(records(), { rules: { allowedLatenessMs: 1 } }))).toEqual([]);
  });

  it('never goes back', () => {
    const ahead = runBatch([...everyInputAt(T0 + HOUR_MS)]);
    const mark = ahead.state.partitions.get(0)?.clock.watermark;
    const after = processBatch(ahead.state, [impression({ id: 'old', time: T0 })], NOW);
    expect(after.state.partitions.get(0)?.clock.watermark).toBe(mark);
  });
});

describe('idle inputs', () => {
  const clicksOnly = [
    click({ id: 'clk', time: T0 }),
    click({ id: 'tick-clk', time: T0 + HOUR_MS, user: 'u-tick' }),
  ];

  it('an input with no records holds the group back until it is marked idle', () => {
    const waiting = runBatch(clicksOnly);
    expect(released(waiting)).toEqual([]);
    const idle = processBatch(waiting.state, [], NOW, {
      idleInputs: [
        { topic: 'impressions', partition: 0 },
        { topic: 'bid_requests', partition: 0 },
      ],
    });
    expect(released(idle)).toEqual(['clk']);
    expect(idle.events.filter((e) => e.type === 'InputIdle')).toHaveLength(2);
  });

  it('marking an idle input idle again decides nothing', () => {
    const idle = { idleInputs: [{ topic: 'impressions', partition: 0 }] };
    const once = runBatch([], idle);
    expect(once.events).toEqual([{ type: 'InputIdle', partition: 0, topic: 'impressions' }]);
    expect(processBatch(once.state, [], NOW, idle).events).toEqual([]);
  });

  it('when every input is idle, everything waiting is released', () => {
    const waiting = runBatch([
      impression({ id: 'imp', time: T0 - MINUTE_MS }),
      click({ id: 'clk', time: T0 }),
      conversion({ id: 'conv', time: T0 + MINUTE_MS }),
    ]);
    expect(released(waiting)).toEqual([]);
    const idle = processBatch(waiting.state, [], NOW, {
      idleInputs: ['impressions', 'clicks', 'bid_requests'].map((topic) => ({
        topic,
        partition: 0,
      })),
    });
    expect(released(idle)).toEqual(['clk', 'conv']);
    expect(creditOf(idle, 'conv')).toBe('last_click clk');
    expect(idle.attributions.every((a) => !a.late)).toBe(true);
  });

  it("an idle input's next accepted record makes it hold the group back again", () => {
    const idle = runBatch([], {
      idleInputs: [{ topic: 'bid_requests', partition: 0 }],
      inputs: ['impressions', 'clicks', 'bid_requests'],
    });
    const back = processBatch(
      idle.state,
      [
        bidRequest({ id: 'bid', time: T0 }),
        click({ id: 'clk', time: T0 + MINUTE_MS }),
        impression({ id: 'tick-imp', time: T0 + HOUR_MS, user: 'u-tick' }),
        click({ id: 'tick-clk', time: T0 + HOUR_MS, user: 'u-tick' }),
      ],
      NOW,
    );
    // bid requests are active again and at T0: the click after T0 - lateness keeps waiting
    expect(back.state.partitions.get(0)?.clock.inputs.get('bid_requests')?.idle).toBe(false);
    expect(released(back)).toEqual([]);
  });
});

describe('endOfInput', () => {
  it('releases everything still waiting, in every partition', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp', time: T0 - MINUTE_MS }),
        click({ id: 'clk', time: T0 }),
        conversion({ id: 'conv', time: T0 + MINUTE_MS }),
        click({ id: 'clk-p1', time: T0, partition: 1 }),
      ],
      { endOfInput: true },
    );
    expect(outcome.attributions.map((a) => `${a.partition}:${a.eventId}`).sort()).toEqual(
      ['0:clk', '0:conv', '1:clk-p1'].sort(),
    );
    expect(creditOf(outcome, 'conv')).toBe('last_click clk');
    for (const slice of outcome.state.partitions.values())
      expect(slice.attribution.pending).toEqual([]);
  });

  it('without it, the same batch emits nothing', () => {
    expect(runBatch([click({ id: 'clk', time: T0 })]).attributions).toEqual([]);
  });

  it('each click or conversion is attributed exactly once, even over several end-of-input batches', () => {
    const first = processBatch(freshState(), [click({ id: 'clk', time: T0 })], NOW, {
      endOfInput: true,
    });
    const second = processBatch(first.state, [], NOW, { endOfInput: true });
    expect(first.attributions).toHaveLength(1);
    expect(second.attributions).toEqual([]);
  });
});

describe('late flag', () => {
  it('a click behind the watermark is released at once, flagged late, and still attributed', () => {
    const outcome = runBatch([
      impression({ id: 'imp', time: T0 - MINUTE_MS }),
      ...everyInputAt(T0 + HOUR_MS),
      click({ id: 'clk', time: T0 }),
    ]);
    expect(outcome.attributions).toContainEqual(
      expect.objectContaining({ eventId: 'clk', late: true, model: 'lookback' }),
    );
  });

  it('an event exactly at the watermark is not late', () => {
    const outcome = runBatch([...everyInputAt(T0 + LATENESS), click({ id: 'clk', time: T0 })], {
      endOfInput: true,
    });
    expect(outcome.attributions).toContainEqual(
      expect.objectContaining({ eventId: 'clk', late: false }),
    );
  });

  it('a conversion 1 ms behind the watermark is late', () => {
    const outcome = runBatch([
      ...everyInputAt(T0 + LATENESS + 1),
      conversion({ id: 'conv', time: T0 }),
    ]);
    expect(outcome.attributions).toContainEqual(
      expect.objectContaining({ eventId: 'conv', late: true }),
    );
  });
});
