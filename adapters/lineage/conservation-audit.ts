import type { Knex } from 'knex';
import { num } from './sql-values';

/**
 * `adx audit conservation`: received = accepted + rejected + duplicates per batch and partition,
 * loaded rows = accepted, and (where lineage keeps them) stopped records = rejected + duplicates.
 */
export interface ConservationRow {
  readonly batchId: string;
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly received: number | null;
  readonly accepted: number | null;
  readonly rejected: number | null;
  readonly duplicates: number | null;
  readonly loadedRows: number;
  /** records kept as stopped (rejected or duplicate); null for a batch whose lineage predates them */
  readonly stoppedRecords: number | null;
  readonly conserved: boolean;
}

export interface PartitionTotals {
  readonly topic: string;
  readonly partition: number;
  readonly batches: number;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly loadedRows: number;
  readonly conserved: boolean;
}

export interface ConservationReport {
  readonly batches: number;
  readonly conserved: boolean;
  readonly partitions: PartitionTotals[];
  readonly mismatches: ConservationRow[];
}

/** Per batch (and summed per topic-partition) over batches loaded in [from, to), if given. */
export async function auditConservation(
  knex: Knex,
  range: { from?: number; to?: number } = {},
): Promise<ConservationReport> {
  const q = knex('audit_conservation').select('*').orderBy(['source_topic', 'source_partition']);
  if (range.from !== undefined) q.where('loaded_at', '>=', new Date(range.from));
  if (range.to !== undefined) q.where('loaded_at', '<', new Date(range.to));
  const rows = (await q).map((r: Record<string, unknown>): ConservationRow => ({
    batchId: String(r.batch_id),
    topic: String(r.source_topic),
    partition: Number(r.source_partition),
    firstOffset: String(r.first_offset),
    lastOffset: String(r.last_offset),
    received: num(r.received),
    accepted: num(r.accepted),
    rejected: num(r.rejected),
    duplicates: num(r.duplicates),
    loadedRows: Number(r.loaded_rows),
    stoppedRecords: num(r.stopped_records),
    conserved: r.conserved === true,
  }));
  const partitions = new Map<string, PartitionTotals>();
  for (const r of rows) {
    const key = `${r.topic}\u0000${r.partition}`;
    const p = partitions.get(key) ?? {
      topic: r.topic,
      partition: r.partition,
      batches: 0,
      received: 0,
      accepted: 0,
      rejected: 0,
      duplicates: 0,
      loadedRows: 0,
      conserved: true,
    };
    const received = p.received + (r.received ?? 0);
    const accepted = p.accepted + (r.accepted ?? 0);
    const rejected = p.rejected + (r.rejected ?? 0);
    const duplicates = p.duplicates + (r.duplicates ?? 0);
    const loadedRows = p.loadedRows + r.loadedRows;
    partitions.set(key, {
      ...p,
      batches: p.batches + 1,
      received,
      accepted,
      rejected,
      duplicates,
      loadedRows,
      // a partition is conserved when its sums are and every one of its batches is
      conserved:
        p.conserved &&
        r.conserved &&
        received === accepted + rejected + duplicates &&
        loadedRows === accepted,
    });
  }
  const mismatches = rows.filter((r) => !r.conserved);
  const perPartition = [...partitions.values()];
  return {
    batches: rows.length,
    conserved: mismatches.length === 0 && perPartition.every((p) => p.conserved),
    partitions: perPartition,
    mismatches,
  };
}
