import { formatDuration } from './duration';
import type { PipelineRules } from '../../domain';

/**
 * Resident bytes of decider state per tracked key: what `npm run bench:state` measures at 10^7
 * keys (heap + array buffers after gc: the dedupe index plus the attribution touches that come
 * with a week of impressions; 59 B heap and 60 B RSS measured since the touches moved into typed
 * arrays), rounded up. Ids and pseudonyms longer than the simulator's cost about one byte more a
 * character.
 */
export const STATE_BYTES_PER_KEY = 70;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 2 ** 10,
  mb: 2 ** 20,
  gb: 2 ** 30,
  tb: 2 ** 40,
};

/** `512MB`, `8GB`, `1073741824` → bytes; undefined when it is none of those */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`;

/**
 * Decider state holds every accepted key for the dedupe retention, so one process's state is
 * about rate × retention × STATE_BYTES_PER_KEY. With both ADX_EXPECTED_RATE and
 * ADX_STATE_MEMORY_BUDGET set, a configuration whose estimate exceeds the budget is refused at
 * start instead of running out of memory days later. The problem's text, or undefined.
 */
export function stateBudgetProblem(
  rules: PipelineRules,
  expectedRate: number | undefined,
  budgetBytes: number | undefined,
): string | undefined {
  if (expectedRate === undefined || budgetBytes === undefined) return undefined;
  const keys = expectedRate * (rules.dedupeRetentionMs / 1000);
  const estimate = keys * STATE_BYTES_PER_KEY;
  if (estimate <= budgetBytes) return undefined;
  return (
    `ADX_STATE_MEMORY_BUDGET=${mb(budgetBytes)}: ADX_EXPECTED_RATE=${expectedRate} events/s ` +
    `for ADX_DEDUPE_RETENTION=${formatDuration(rules.dedupeRetentionMs)} keeps about ` +
    `${Math.round(keys).toLocaleString('en-US')} keys × ${STATE_BYTES_PER_KEY} B ≈ ${mb(estimate)} ` +
    `of decider state in this process. Raise the budget, shorten the retention, or spread the ` +
    `partitions over more instances (the rate is per process).`
  );
}
