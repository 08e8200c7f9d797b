import { HOUR_MS } from '../../../domain/event-time';
import { processBatch } from '../../../domain/process-batch';
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

describe('clicks and conversions wait for the watermark (max event time - 10 min)', () => {
  it('an unmatched click is not emitted while the watermark has not passed its event time', () => {
    const outcome = runBatch([
      click({ id: 'clk', time: T0 }),
      impression({ id: 'other', time: T0 + LATENESS, user: 'user-2' }),
    ]);
    expect(outcome.attributions).toEqual([]);
    expect(outcome.state.partitions.get(0)?.attribution.pending).toHaveLength(1);
  });

  it('is emitted unattributed once an event 1 ms past the lateness arrives', () => {
    const outcome = runBatch([
      click({ id: 'clk', time: T0 }),
      impression({ id: 'other', time: T0 + LATENESS + 1, user: 'user-2' }),
    ]);
    expect(outcome.attributions).toEqual([
      expect.objectContaining({ eventId: 'clk', model: 'unattributed', late: false }),
    ]);
    expect(outcome.state.partitions.get(0)?.attribution.pending).toEqual([]);
  });

  it('a conversion waits the same way, and any event type moves the watermark', () => {
    const waiting = runBatch([
      conversion({ id: 'conv', time: T0 }),
      bidRequest({ id: 'b', time: T0 + LATENESS }),
    ]);
    expect(waiting.attributions).toEqual([]);
    const released = runBatch([
      conversion({ id: 'conv', time: T0 }),
      bidRequest({ id: 'b', time: T0 + LATENESS + 1 }),
    ]);
    expect(creditOf(released, 'conv')).toBe('unattributed');
  });

  it('waits across batches, so an impression arriving later (within the bound) is still credited', () => {
    const first = processBatch(freshState(), [click({ id: 'clk', time: T0 })], NOW);
    expect(first.attributions).toEqual([]);
    const second = processBatch(
      first.state,
      [
        impression({ id: 'imp', time: T0 - MINUTE_MS }),
        impression({ id: 'tick', time: T0 + HOUR_MS, user: 'u9' }),
      ],
      NOW,
    );
    expect(creditOf(second, 'clk')).toBe('lookback imp');
  });

  it('releases in event-time order, whatever the arrival order', () => {
    const outcome = runBatch([
      click({ id: 'clk-b', time: T0 + 2 }),
      click({ id: 'clk-a', time: T0 + 1 }),
      conversion({ id: 'conv', time: T0 }),
      impression({ id: 'tick', time: T0 + HOUR_MS, user: 'u9' }),
    ]);
    expect(outcome.attributions.map((a) => a.eventId)).toEqual(['conv', 'clk-a', 'clk-b']);
  });

  it('the watermark is per partition: events on partition 1 do not release partition 0', () => {
    const outcome = runBatch([
      click({ id: 'clk', time: T0, partition: 0 }),
      impression({ id: 'tick', time: T0 + HOUR_MS, partition: 1 }),
    ]);
    expect(outcome.attributions).toEqual([]);
  });

  it('rejected records and duplicates do not move the watermark', () => {
    const outcome = runBatch([
      impression({ id: 'imp', time: T0 }),
      click({ id: 'clk', time: T0 }),
      impression({ id: 'imp', time: T0 + HOUR_MS }),
      click({ id: 'bad', time: T0 + HOUR_MS, campaign: '' }),
    ]);
    expect(outcome.duplicates).toHaveLength(1);
    expect(outcome.rejections).toHaveLength(1);
    expect(outcome.attributions).toEqual([]);
  });

  it('uses the configured lateness', () => {
    const records = () => [
      click({ id: 'clk', time: T0 }),
      impression({ id: 'tick', time: T0 + 1, user: 'u9' }),
    ];
    expect(runBatch(records(), { rules: { allowedLatenessMs: 0 } }).attributions).toHaveLength(1);
    expect(runBatch(records(), { rules: { allowedLatenessMs: 1 } }).attributions).toHaveLength(0);
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
      impression({ id: 'tick', time: T0 + HOUR_MS, user: 'u9' }),
      click({ id: 'clk', time: T0 }),
    ]);
    expect(outcome.attributions).toEqual([
      expect.objectContaining({ eventId: 'clk', late: true, model: 'lookback' }),
    ]);
  });

  it('an event exactly at the watermark is not late', () => {
    const outcome = runBatch(
      [impression({ id: 'tick', time: T0 + LATENESS, user: 'u9' }), click({ id: 'clk', time: T0 })],
      { endOfInput: true },
    );
    expect(outcome.attributions).toEqual([
      expect.objectContaining({ eventId: 'clk', late: false }),
    ]);
  });

  it('a conversion 1 ms behind the watermark is late', () => {
    const outcome = runBatch([
      impression({ id: 'tick', time: T0 + LATENESS + 1, user: 'u9' }),
      conversion({ id: 'conv', time: T0 }),
    ]);
    expect(outcome.attributions).toEqual([
      expect.objectContaining({ eventId: 'conv', late: true }),
    ]);
  });
});
