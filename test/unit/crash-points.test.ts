import { crashChecker, parseCrashPlan, parseStallPlan } from '../../src/pipeline/crash-points';

describe('crash points (failpoints for the exactly-once test)', () => {
  it('kill exactly at the n-th visit of the named point', () => {
    const kills: number[] = [];
    let visits = 0;
    const check = crashChecker(parseCrashPlan('during_load:3'), () => kills.push(visits));
    for (const point of [
      'after_stage',
      'during_load',
      'during_load',
      'after_stage',
      'during_load',
      'during_load',
    ] as const) {
      visits++;
      check(point);
    }
    expect(kills).toEqual([5]);
  });

  it('are inert without a plan and refuse a malformed one', () => {
    expect(parseCrashPlan(undefined)).toBeUndefined();
    expect(() => parseCrashPlan('after_lunch:1')).toThrow(/ADX_CRASH_AT/);
    expect(() => parseCrashPlan('during_load:x')).toThrow(/ADX_CRASH_AT/);
  });

  it('stall the n-th visit of the named point for the given time, and only that one', async () => {
    jest.useFakeTimers();
    try {
      const check = crashChecker(undefined, undefined, parseStallPlan('after_lineage:2:20000'));
      expect(check('after_lineage')).toBeUndefined();
      expect(check('after_stage')).toBeUndefined();
      let resumed = false;
      const stalled = check('after_lineage');
      expect(stalled).toBeInstanceOf(Promise);
      void (stalled as Promise<void>).then(() => (resumed = true));
      await jest.advanceTimersByTimeAsync(19_999);
      expect(resumed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(resumed).toBe(true);
      expect(check('after_lineage')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuse a stall inside the load transaction, or without a duration', () => {
    expect(parseStallPlan(undefined)).toBeUndefined();
    expect(() => parseStallPlan('during_load:1:100')).toThrow(/ADX_STALL_AT/);
    expect(() => parseStallPlan('after_stage:1')).toThrow(/ADX_STALL_AT/);
    expect(parseStallPlan('after_stage:1:100')).toEqual({ point: 'after_stage', hit: 1, ms: 100 });
  });
});
