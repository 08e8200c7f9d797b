import { crashChecker, parseCrashPlan } from '../../src/pipeline/crash-points';

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
});
