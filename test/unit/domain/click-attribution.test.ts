import { DAY_MS, HOUR_MS } from '../../../domain/event-time';
import { click, creditOf, impression, runBatch, T0 } from '../../support/domain-fixtures';

const end = { endOfInput: true } as const;

describe('click attribution: lookback to the latest impression', () => {
  it('credits the latest impression at or before the click, not a later one', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-early', time: T0 - 2 * HOUR_MS }),
        impression({ id: 'imp-latest', time: T0 - HOUR_MS }),
        impression({ id: 'imp-after', time: T0 + 60_000 }),
        click({ id: 'clk', time: T0 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('lookback imp-latest');
    expect(outcome.attributions[0]).toMatchObject({
      eventType: 'click',
      userId: 'user-1',
      campaignId: 'camp-1',
      eventTime: T0,
      touch: { eventType: 'impression', eventId: 'imp-latest', eventTime: T0 - HOUR_MS },
      late: false,
    });
  });

  it('an impression at the same millisecond as the click counts', () => {
    const outcome = runBatch(
      [impression({ id: 'imp', time: T0 }), click({ id: 'clk', time: T0 })],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('lookback imp');
  });

  it('the 24 h lookback is inclusive: exactly 24 h before counts, 1 ms more does not', () => {
    const inside = runBatch(
      [impression({ id: 'imp', time: T0 - DAY_MS }), click({ id: 'clk', time: T0 })],
      end,
    );
    expect(creditOf(inside, 'clk')).toBe('lookback imp');
    const outside = runBatch(
      [impression({ id: 'imp', time: T0 - DAY_MS - 1 }), click({ id: 'clk', time: T0 })],
      end,
    );
    expect(creditOf(outside, 'clk')).toBe('unattributed');
  });

  it('joins per user and campaign: other users and other campaigns are ignored', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-other-user', time: T0 - 1, user: 'user-2' }),
        impression({ id: 'imp-other-campaign', time: T0 - 1, campaign: 'camp-2' }),
        impression({ id: 'imp-own', time: T0 - HOUR_MS }),
        click({ id: 'clk', time: T0 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('lookback imp-own');
  });

  it('breaks a tie between impressions at the same time by id, whatever the arrival order', () => {
    const a = impression({ id: 'imp-a', time: T0 - 1 });
    const b = impression({ id: 'imp-b', time: T0 - 1 });
    const clk = click({ id: 'clk', time: T0 });
    expect(creditOf(runBatch([a, b, clk], end), 'clk')).toBe('lookback imp-b');
    expect(creditOf(runBatch([b, a, clk], end), 'clk')).toBe('lookback imp-b');
  });

  it('a click with no impression is unattributed, with no touch', () => {
    const outcome = runBatch([click({ id: 'clk', time: T0 })], end);
    expect(outcome.attributions).toEqual([expect.objectContaining({ model: 'unattributed' })]);
    expect('touch' in (outcome.attributions[0] ?? {})).toBe(false);
  });

  it('uses a configured lookback', () => {
    const outcome = runBatch(
      [impression({ id: 'imp', time: T0 - 2 * HOUR_MS }), click({ id: 'clk', time: T0 })],
      { ...end, rules: { clickLookbackMs: HOUR_MS } },
    );
    expect(creditOf(outcome, 'clk')).toBe('unattributed');
  });
});

describe('click attribution: explicit impression id', () => {
  it('an explicit impression id wins over a later impression', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-named', time: T0 - 3 * HOUR_MS }),
        impression({ id: 'imp-later', time: T0 - HOUR_MS }),
        click({ id: 'clk', time: T0, impressionId: 'imp-named' }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('explicit imp-named');
  });

  it("the explicit id of another user's impression is not used; lookback applies instead", () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-theirs', time: T0 - 1, user: 'user-2' }),
        impression({ id: 'imp-own', time: T0 - HOUR_MS }),
        click({ id: 'clk', time: T0, impressionId: 'imp-theirs' }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('lookback imp-own');
  });

  it("the explicit id of another campaign's impression is not used", () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-theirs', time: T0 - 1, campaign: 'camp-2' }),
        click({ id: 'clk', time: T0, impressionId: 'imp-theirs' }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('unattributed');
  });

  it('an explicit id that was never seen falls back to lookback', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-own', time: T0 - HOUR_MS }),
        click({ id: 'clk', time: T0, impressionId: 'imp-unknown' }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('lookback imp-own');
  });

  it('the named impression may arrive after the click, before the watermark passes it', () => {
    const outcome = runBatch(
      [
        click({ id: 'clk', time: T0, impressionId: 'imp-named' }),
        impression({ id: 'imp-named', time: T0 - 5 * 60_000 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'clk')).toBe('explicit imp-named');
  });
});
