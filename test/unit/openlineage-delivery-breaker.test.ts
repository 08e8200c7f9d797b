/**
 * DeliveryBreaker on its own, on clocks the test moves: it opens after the configured failures in
 * a row, lets one trial through per cooldown (and only one while it is under way), and tells when
 * an outage began and ends.
 */
import { DeliveryBreaker } from '../../src/lineage/delivery-breaker';

const FIRST = { trial: false } as const;

function breaker(failures = 3, cooldownMs = 1000) {
  const t = { clock: 0, wall: Date.parse('2026-01-01T00:00:00Z') };
  const b = new DeliveryBreaker(
    { failures, cooldownMs },
    () => t.clock,
    () => t.wall,
  );
  return { b, t };
}

describe('DeliveryBreaker', () => {
  it('lets everything through while closed', () => {
    const { b } = breaker();
    b.unavailable(FIRST, 'timed out');
    b.unavailable(FIRST, 'timed out');
    expect(b.admit()).toEqual({ send: true, trial: false });
  });

  it('opens on the n-th failure in a row and says since when and until when', () => {
    const { b, t } = breaker(2, 5000);
    b.unavailable(FIRST, 'ECONNREFUSED');
    t.wall += 700;
    expect(b.unavailable(FIRST, 'HTTP 503')).toBe(Date.parse('2026-01-01T00:00:05.700Z'));
    expect(b.admit()).toEqual({
      send: false,
      outage: {
        since: Date.parse('2026-01-01T00:00:00Z'),
        lastReason: 'HTTP 503',
        retryAt: Date.parse('2026-01-01T00:00:05.700Z'),
        trialUnderWay: false,
      },
    });
  });

  it('lets one trial through after the cooldown, holding back the others until it answers', () => {
    const { b, t } = breaker();
    for (let i = 0; i < 3; i++) b.unavailable(FIRST, 'timed out');
    t.clock += 1000;
    const trial = b.admit();
    expect(trial).toEqual({ send: true, trial: true });
    expect(b.admit()).toMatchObject({ send: false, outage: { trialUnderWay: true } });
    expect(b.unavailable({ trial: true }, 'timed out')).toBeDefined();
    expect(b.admit()).toMatchObject({ send: false, outage: { trialUnderWay: false } });
    t.clock += 999;
    expect(b.admit().send).toBe(false);
    t.clock += 1;
    expect(b.admit()).toEqual({ send: true, trial: true });
  });

  it('closes when the consumer answers, counting the events lost meanwhile', () => {
    const { b, t } = breaker();
    for (let i = 0; i < 3; i++) b.unavailable(FIRST, 'timed out');
    b.admit();
    b.admit();
    t.clock += 1000;
    expect(b.admit()).toEqual({ send: true, trial: true });
    expect(b.reachable({ trial: true })).toBe(5);
    expect(b.admit()).toEqual({ send: true, trial: false });
    // the count starts again
    b.unavailable(FIRST, 'timed out');
    b.unavailable(FIRST, 'timed out');
    expect(b.reachable(FIRST)).toBe(0);
    b.unavailable(FIRST, 'timed out');
    b.unavailable(FIRST, 'timed out');
    expect(b.admit().send).toBe(true);
  });
});
