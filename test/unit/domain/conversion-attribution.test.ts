import { DAY_MS, HOUR_MS } from '../../../domain/event-time';
import {
  click,
  conversion,
  creditOf,
  impression,
  runBatch,
  T0,
} from '../../support/domain-fixtures';

const end = { endOfInput: true } as const;

describe('conversion attribution', () => {
  const journey = [
    impression({ id: 'imp-1', time: T0 - 4 * DAY_MS }),
    click({ id: 'clk-first', time: T0 - 3 * DAY_MS }),
    impression({ id: 'imp-2', time: T0 - 2 * DAY_MS }),
    click({ id: 'clk-last', time: T0 - DAY_MS }),
    impression({ id: 'imp-3', time: T0 - HOUR_MS }),
    click({ id: 'clk-after', time: T0 + 60_000 }),
    conversion({ id: 'conv', time: T0 }),
  ];

  it('credits the last click within 7 days (not a later click, not an impression)', () => {
    const outcome = runBatch(journey, end);
    expect(creditOf(outcome, 'conv')).toBe('last_click clk-last');
    expect(outcome.attributions.find((a) => a.eventId === 'conv')).toMatchObject({
      eventType: 'conversion',
      touch: { eventType: 'click', eventId: 'clk-last', eventTime: T0 - DAY_MS },
    });
  });

  it('first_click model credits the earliest click in the window', () => {
    const outcome = runBatch(journey, { ...end, rules: { conversionModel: 'first_click' } });
    expect(creditOf(outcome, 'conv')).toBe('first_click clk-first');
  });

  it('the 7-day click window is inclusive', () => {
    const at = runBatch(
      [click({ id: 'clk', time: T0 - 7 * DAY_MS }), conversion({ id: 'conv', time: T0 })],
      end,
    );
    expect(creditOf(at, 'conv')).toBe('last_click clk');
    const past = runBatch(
      [click({ id: 'clk', time: T0 - 7 * DAY_MS - 1 }), conversion({ id: 'conv', time: T0 })],
      end,
    );
    expect(creditOf(past, 'conv')).toBe('unattributed');
  });

  it('falls back to view-through: the latest impression within 24 h when there is no click', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp-old', time: T0 - 20 * HOUR_MS }),
        impression({ id: 'imp-recent', time: T0 - HOUR_MS }),
        conversion({ id: 'conv', time: T0 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'conv')).toBe('view_through imp-recent');
  });

  it('a click outside the window does not block view-through', () => {
    const outcome = runBatch(
      [
        click({ id: 'clk', time: T0 - 8 * DAY_MS }),
        impression({ id: 'imp', time: T0 - HOUR_MS }),
        conversion({ id: 'conv', time: T0 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'conv')).toBe('view_through imp');
  });

  it('an impression older than 24 h leaves the conversion unattributed', () => {
    const outcome = runBatch(
      [impression({ id: 'imp', time: T0 - DAY_MS - 1 }), conversion({ id: 'conv', time: T0 })],
      end,
    );
    expect(creditOf(outcome, 'conv')).toBe('unattributed');
  });

  it("ignores another user's or campaign's clicks and impressions", () => {
    const outcome = runBatch(
      [
        click({ id: 'clk', time: T0 - HOUR_MS, user: 'user-2' }),
        impression({ id: 'imp', time: T0 - HOUR_MS, campaign: 'camp-2' }),
        conversion({ id: 'conv', time: T0 }),
      ],
      end,
    );
    expect(creditOf(outcome, 'conv')).toBe('unattributed');
  });

  it('windows are configuration: a 1 h click window and a 10 min view-through window', () => {
    const rules = { conversionClickWindowMs: HOUR_MS, viewThroughWindowMs: 10 * 60_000 };
    const outcome = runBatch(
      [
        click({ id: 'clk', time: T0 - 2 * HOUR_MS }),
        impression({ id: 'imp-old', time: T0 - 20 * 60_000 }),
        impression({ id: 'imp', time: T0 - 5 * 60_000 }),
        conversion({ id: 'conv', time: T0 }),
        conversion({ id: 'conv-2', time: T0 - 90 * 60_000 }),
      ],
      { ...end, rules },
    );
    expect(creditOf(outcome, 'conv')).toBe('view_through imp');
    expect(creditOf(outcome, 'conv-2')).toBe('last_click clk');
  });

  it('viewThroughWindowMs 0 disables view-through', () => {
    const outcome = runBatch(
      [impression({ id: 'imp', time: T0 }), conversion({ id: 'conv', time: T0 })],
      {
        ...end,
        rules: { viewThroughWindowMs: 0 },
      },
    );
    expect(creditOf(outcome, 'conv')).toBe('unattributed');
  });

  it('counts attributions by model', () => {
    const outcome = runBatch(
      [
        impression({ id: 'imp', time: T0 - HOUR_MS }),
        click({ id: 'clk', time: T0 - 30 * 60_000 }),
        conversion({ id: 'conv-click', time: T0 }),
        conversion({ id: 'conv-view', time: T0, campaign: 'camp-2' }),
        impression({ id: 'imp-2', time: T0 - HOUR_MS, campaign: 'camp-2' }),
        conversion({ id: 'conv-none', time: T0, user: 'user-9' }),
      ],
      end,
    );
    expect(outcome.counts.attributedByModel).toEqual({
      explicit: 0,
      lookback: 1,
      last_click: 1,
      first_click: 0,
      view_through: 1,
      unattributed: 1,
    });
  });
});
