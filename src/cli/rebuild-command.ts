import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { checkRebuild, type PipelineRules, type RebuildCheck } from '../../domain';
import type { StateStore } from '../../ports';
import type { AppConfig } from '../config/config';
import { sourceTopics } from '../container/app-tokens';
import { withReadWarehouse } from './cli-warehouse';
import type { LineageResult } from './lineage-command';

export interface RebuildReport {
  readonly equal: boolean;
  readonly partitions: readonly RebuildCheck[];
  /** the group asked for with --partition, when nothing of it is stored */
  readonly missing?: number;
}

/** Each group's check, one group at a time: only one group's log is in memory at once. */
export async function rebuildGroups(
  store: StateStore,
  inputs: readonly string[],
  rules: PipelineRules,
  partition?: number,
): Promise<RebuildReport> {
  const stored = await store.partitions();
  if (partition !== undefined && !stored.includes(partition))
    return { equal: false, partitions: [], missing: partition };
  const checks: RebuildCheck[] = [];
  for (const p of partition === undefined ? stored : [partition])
    checks.push(checkRebuild(p, inputs, await store.readState(p), rules));
  return { equal: checks.every((c) => c.equal), partitions: checks };
}

export function formatRebuild(report: RebuildReport): string {
  if (report.missing !== undefined)
    return `partition ${report.missing}: no state stored (no snapshot, no changelog)`;
  if (report.partitions.length === 0)
    return 'no partition state stored: the service has committed nothing yet';
  const lines = report.partitions.flatMap((c) => [
    `partition ${c.partition}: ${c.equal ? 'equal' : 'DIFFERS'}  replayed ${c.entries} entries` +
      `${c.firstSequence === undefined ? '' : ` ${c.firstSequence}-${c.head}`} (${c.events} events` +
      `${c.trimmed ? ', older ones trimmed' : ''}); live: snapshot at ` +
      `${c.snapshotSequence ?? '-'} + ${c.changes} entries`,
    ...c.differences.map((d) => `  ${d}`),
  ]);
  const differ = report.partitions.filter((c) => !c.equal).length;
  lines.push(
    `${report.partitions.length} partition group(s): ` +
      (differ === 0
        ? 'rebuilt state equals the live state'
        : `${differ} DIFFER from the live state`),
  );
  return lines.join('\n');
}

/**
 * `adx rebuild`: every group (or one) rebuilt from its changelog and compared with its live state;
 * exit 1 when any differs. Reads through the state store's read-only path: no lease is taken.
 */
export async function rebuild(
  config: AppConfig,
  options: { readonly partition?: number | undefined; readonly json?: boolean } = {},
): Promise<LineageResult> {
  return withReadWarehouse(config, 'adx rebuild', async (knex) => {
    const inputs = [...sourceTopics(config).keys()];
    const report = await rebuildGroups(
      new PostgresStateStore(knex),
      inputs,
      config.rules,
      options.partition,
    );
    return {
      output: options.json ? JSON.stringify(report) : formatRebuild(report),
      exitCode: report.equal ? 0 : 1,
    };
  });
}
