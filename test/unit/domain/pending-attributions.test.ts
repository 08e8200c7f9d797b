import { pendingAttributions } from '../../../domain/pending-attributions';
import { processBatch } from '../../../domain/process-batch';
import {
  click,
  conversion,
  freshState,
  impression,
  MINUTE_MS,
  NOW,
  T0,
} from '../../support/domain-fixtures';

const LATENESS = 10 * MINUTE_MS;

describe('pendingAttributions: clicks and conversions still waiting for the watermark', () => {
  it('is zero on a fresh state', () => {
    expect(pendingAttributions(freshState())).toEqual({ clicks: 0, conversions: 0 });
  });

  it('counts clicks and conversions apart, over every partition', () => {
    const outcome = processBatch(
      freshState(),
      [
        impression({ id: 'imp', time: T0 - MINUTE_MS }),
        click({ id: 'clk-0', time: T0 }),
        conversion({ id: 'conv-0', time: T0 + 1 }),
        click({ id: 'clk-1', time: T0, user: 'user-9', partition: 1 }),
      ],
      NOW,
    );
    expect(outcome.attributions).toEqual([]);
    expect(pendingAttributions(outcome.state)).toEqual({ clicks: 2, conversions: 1 });
  });

  it('drops what the watermark releases, and keeps what it has not passed yet', () => {
    // the clicks topic is the group's only input here, so its watermark is the group's
    const first = processBatch(
      freshState({}, ['clicks']),
      [click({ id: 'early', time: T0 }), click({ id: 'later', time: T0 + 2 * LATENESS })],
      NOW,
    );
    // the watermark is now T0 + LATENESS: 'early' is released, 'later' waits
    expect(first.attributions.map((a) => a.eventId)).toEqual(['early']);
    expect(pendingAttributions(first.state)).toEqual({ clicks: 1, conversions: 0 });
  });

  it('is zero after the end of a bounded input releases everything', () => {
    const waiting = processBatch(
      freshState(),
      [click({ id: 'clk', time: T0 }), conversion({ id: 'conv', time: T0 })],
      NOW,
    );
    expect(pendingAttributions(waiting.state)).toEqual({ clicks: 1, conversions: 1 });
    const ended = processBatch(waiting.state, [], NOW, { endOfInput: true });
    expect(ended.attributions).toHaveLength(2);
    expect(pendingAttributions(ended.state)).toEqual({ clicks: 0, conversions: 0 });
  });
});
