import type { Knex } from 'knex';
import type { EventType, RejectionReason } from '../../domain';
import type {
  BatchLineageRecord,
  LineageLog,
  LineageStep,
  LineageStepName,
  StoppedRecord,
} from '../../ports';
import { postgresPolicyOf } from '../postgres/postgres-policy';

interface StepRow {
  readonly batch_id: string;
  readonly step: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly counts: LineageStep['counts'] | string;
  readonly rule_versions: Record<string, string> | string;
  readonly at_ms: string | number;
}

interface StoppedRow {
  readonly batch_id: string;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string | number;
  readonly step: string;
  readonly reason: string;
  readonly field_path: string;
  readonly detail: string;
  readonly event_type: string | null;
  readonly event_id: string | null;
}

const STOPPED_COLUMNS = [
  'batch_id',
  'source_topic',
  'source_partition',
  'source_offset',
  'step',
  'reason',
  'field_path',
  'detail',
  'event_type',
  'event_id',
] as const;

/** 10 columns a row: well under Postgres's 65,535 bind parameters per statement */
const STOPPED_ROWS_PER_INSERT = 2000;

function stoppedRecordOf(r: StoppedRow): StoppedRecord {
  return {
    batchId: r.batch_id,
    topic: r.source_topic,
    partition: Number(r.source_partition),
    offset: String(r.source_offset),
    step: r.step as StoppedRecord['step'],
    reason: r.reason as RejectionReason | 'duplicate',
    path: r.field_path,
    detail: r.detail,
    ...(r.event_id !== null
      ? {
          event: {
            id: r.event_id,
            ...(r.event_type !== null ? { type: r.event_type as EventType } : {}),
          },
        }
      : {}),
  };
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * Lineage steps in the warehouse database (table `lineage_step`, migration 005), keyed by batch and
 * step, and stopped records (`lineage_stopped_record`, migration 006), keyed by Kafka coordinates:
 * appending either again replaces it. `appendIn` writes inside the caller's transaction —
 * the load's — so the lineage of a batch commits with its rows or not at all.
 */
export class PostgresLineageLog implements LineageLog {
  constructor(readonly knex: Knex) {}

  append(lineage: BatchLineageRecord): Promise<void> {
    if (lineage.steps.length === 0 && lineage.stopped.length === 0) return Promise.resolve();
    // keyed rows, merged on conflict: a retry after an append that did land writes the same rows
    return postgresPolicyOf(this.knex).execute(() =>
      this.knex.transaction((trx) => this.appendIn(trx, lineage)),
    );
  }

  async appendIn(
    trx: Knex.Transaction | Knex,
    { steps, stopped }: BatchLineageRecord,
  ): Promise<void> {
    for (let i = 0; i < stopped.length; i += STOPPED_ROWS_PER_INSERT) {
      await trx('lineage_stopped_record')
        .insert(
          stopped.slice(i, i + STOPPED_ROWS_PER_INSERT).map((r) => ({
            batch_id: r.batchId,
            source_topic: r.topic,
            source_partition: r.partition,
            source_offset: r.offset,
            step: r.step,
            reason: r.reason,
            field_path: r.path,
            detail: r.detail,
            event_type: r.event?.type ?? null,
            event_id: r.event?.id ?? null,
          })),
        )
        .onConflict(['source_topic', 'source_partition', 'source_offset'])
        .merge();
    }
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

  async stoppedInBatch(batchId: string): Promise<StoppedRecord[]> {
    const rows = await this.knex<StoppedRow>('lineage_stopped_record')
      .select(...STOPPED_COLUMNS)
      .where({ batch_id: batchId })
      .orderBy(['source_topic', 'source_partition', 'source_offset']);
    return rows.map(stoppedRecordOf);
  }

  async stoppedAt(
    topic: string,
    partition: number,
    offset: string,
  ): Promise<StoppedRecord | undefined> {
    const [row] = await this.knex<StoppedRow>('lineage_stopped_record')
      .select(...STOPPED_COLUMNS)
      .where({ source_topic: topic, source_partition: partition, source_offset: offset });
    return row ? stoppedRecordOf(row) : undefined;
  }

  async stoppedWithEventId(eventId: string): Promise<StoppedRecord[]> {
    const rows = await this.knex<StoppedRow>('lineage_stopped_record')
      .select(...STOPPED_COLUMNS)
      .where({ event_id: eventId })
      .orderBy(['source_topic', 'source_partition', 'source_offset']);
    return rows.map(stoppedRecordOf);
  }
}
