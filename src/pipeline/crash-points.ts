/**
 * Failpoints for the exactly-once test: `ADX_CRASH_AT=<point>:<n>` kills the process with SIGKILL
 * the n-th time it reaches <point>, so a test can crash it between any two side effects of a batch
 * instead of hoping a timer lands there. Without the variable every check is a no-op.
 */
export const CRASH_POINTS = [
  'after_intent',
  'after_stage',
  'after_publish',
  'after_lineage',
  /** inside the load-and-commit transaction, after the fact rows are written, before COMMIT */
  'during_load',
  'after_commit',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CrashPlan {
  readonly point: CrashPoint;
  readonly hit: number;
}

export function parseCrashPlan(text: string | undefined): CrashPlan | undefined {
  if (!text) return undefined;
  const [point, hit] = text.split(':');
  if (!CRASH_POINTS.includes(point as CrashPoint) || !/^\d+$/.test(hit ?? '')) {
    throw new Error(`ADX_CRASH_AT: expected <${CRASH_POINTS.join('|')}>:<n>, got '${text}'`);
  }
  return { point: point as CrashPoint, hit: Number(hit) };
}

export type CrashCheck = (point: CrashPoint) => void;

export function crashChecker(
  plan: CrashPlan | undefined,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): CrashCheck {
  if (!plan) return () => {};
  let seen = 0;
  return (point) => {
    if (point === plan.point && ++seen === plan.hit) kill();
  };
}
