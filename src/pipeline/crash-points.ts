/**
 * Failpoints for the exactly-once and fencing tests: `ADX_CRASH_AT=<point>:<n>` kills the process
 * with SIGKILL the n-th time it reaches <point>, so a test can crash it between any two side
 * effects of a batch instead of hoping a timer lands there. `ADX_STALL_AT=<point>:<n>:<ms>` makes
 * the n-th visit wait <ms> instead (or until SIGUSR2), long enough for the group to give the
 * member's partitions to another (a GC pause or a hung disk, on demand): the fencing test resumes
 * it with the signal once the other member holds them, so no timer has to guess how long that
 * takes. Without the variables every check is a no-op.
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

export interface StallPlan extends CrashPlan {
  readonly ms: number;
}

/** the load's own step runs inside its transaction, where a stall would hold the lease row */
const STALL_POINTS: readonly CrashPoint[] = CRASH_POINTS.filter((p) => p !== 'during_load');

export function parseStallPlan(text: string | undefined): StallPlan | undefined {
  if (!text) return undefined;
  const [point, hit, ms] = text.split(':');
  if (
    !STALL_POINTS.includes(point as CrashPoint) ||
    !/^\d+$/.test(hit ?? '') ||
    !/^\d+$/.test(ms ?? '')
  ) {
    throw new Error(`ADX_STALL_AT: expected <${STALL_POINTS.join('|')}>:<n>:<ms>, got '${text}'`);
  }
  return { point: point as CrashPoint, hit: Number(hit), ms: Number(ms) };
}

/** undefined, or a promise to await when the visit stalls */
export type CrashCheck = (point: CrashPoint) => void | Promise<void>;

export function crashChecker(
  plan: CrashPlan | undefined,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  stall?: StallPlan,
  onStall: (plan: StallPlan) => void = () => {},
): CrashCheck {
  if (!plan && !stall) return () => {};
  let seen = 0;
  let stalls = 0;
  return (point) => {
    if (plan && point === plan.point && ++seen === plan.hit) kill();
    if (stall && point === stall.point && ++stalls === stall.hit) {
      onStall(stall);
      return new Promise((resolve) => {
        const resume = (): void => {
          clearTimeout(timer);
          process.off('SIGUSR2', resume);
          resolve();
        };
        const timer = setTimeout(resume, stall.ms);
        process.on('SIGUSR2', resume);
      });
    }
  };
}
