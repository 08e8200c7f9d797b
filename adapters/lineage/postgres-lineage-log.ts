import type { Knex } from 'knex';
import type { LineageLog, LineageStep, LineageStepName } from '../../ports';

interface StepRow {
  readonly batch_id: string;
  readonly step: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly counts: LineageStep['counts'] | string;
  readonly rule_versions: Record<string, string> | string;
  readonly at_ms: string | number;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * Lineage steps in the warehouse database (table `lineage_step`, migration 005), keyed by batch and
 * step: appending a step again replaces it. `appendIn` writes inside the caller's transaction —
 * the load's — so the lineage of a batch commits with its rows or not at all.
 */
export class PostgresLineageLog implements LineageLog {
  constructor(readonly knex: Knex) {}

  append(steps: readonly LineageStep[]): Promise<void> {
    if (steps.length === 0) return Promise.resolve();
    return this.knex.transaction((trx) => this.appendIn(trx, steps));
  }

  async appendIn(trx: Knex.Transaction | Knex, steps: readonly LineageStep[]): Promise<void> {
    if (steps.length === 0) return;
    await trx('lineage_step')
      .insert(
        steps.map((s) => ({
          batch_id: s.batchId,
          step: s.step,
          inputs: [...s.inputs],
          outputs: [...s.outputs],
          counts: JSON.stringify(s.counts),
          rule_versions: JSON.stringify(s.ruleVersions),
          at_ms: s.at,
        })),
      )
      .onConflict(['batch_id', 'step'])
      .merge(['inputs', 'outputs', 'counts', 'rule_versions', 'at_ms', 'recorded_at']);
  }

  async stepsOfBatch(batchId: string): Promise<LineageStep[]> {
    const rows = await this.knex<StepRow>('lineage_step')
      .select('batch_id', 'step', 'inputs', 'outputs', 'counts', 'rule_versions', 'at_ms')
      .where({ batch_id: batchId });
    return rows.map((r) => ({
      batchId: r.batch_id,
      step: r.step as LineageStepName,
      inputs: r.inputs,
      outputs: r.outputs,
      counts: json(r.counts),
      ruleVersions: json(r.rule_versions),
      at: Number(r.at_ms),
    }));
  }
}
