import type { Knex } from 'knex';
import type { ClockData } from '../../domain';
import type { ChangelogEntry, PartitionCommit, PartitionLog, StoredPartition } from '../../ports';
import {
  decodeSnapshotChunk,
  decodeStateEvents,
  encodeSnapshotChunk,
} from '../codecs/partition-state-avro';

/**
 * The state store's rows (migration 007) read and written inside a caller's transaction: the
 * changelog, the per-group snapshot in chunks, and where a trimmed log starts.
 */

/**
 * A changelog row; its sequence is selected as text (`sequence::text AS sequence`), so ORDER BY
 * names the table's column: a bare `sequence` would sort the text alias (1, 10, 11, 2, ...).
 */
export interface ChangelogRow {
  sequence: string | number;
  batch_id: string;
  body: Uint8Array;
  clock: ClockData | string;
}

export const asClock = (value: ClockData | string): ClockData =>
  typeof value === 'string' ? (JSON.parse(value) as ClockData) : value;

export const entryOf = (row: ChangelogRow): ChangelogEntry => ({
  sequence: Number(row.sequence),
  batchId: row.batch_id,
  events: decodeStateEvents(row.body),
  clock: asClock(row.clock),
});

export function maxEventTime(entry: ChangelogEntry): number | null {
  let max: number | null = null;
  for (const e of entry.events) {
    const t =
      e.type === 'EventAccepted'
        ? e.event.eventTime
        : e.type === 'ClickAttributed' || e.type === 'ConversionAttributed'
          ? e.attribution.eventTime
          : undefined;
    if (t !== undefined && (max === null || t > max)) max = t;
  }
  return max;
}

export async function writeSnapshotIn(
  trx: Knex.Transaction,
  commit: PartitionCommit,
  snapshot: NonNullable<PartitionCommit['snapshot']>,
): Promise<void> {
  const { partition } = commit;
  await trx.raw('DELETE FROM partition_snapshot_chunk WHERE partition = ?', [partition]);
  let chunks = 0;
  let bytes = 0;
  for (const chunk of snapshot.chunks) {
    const body = encodeSnapshotChunk(chunk);
    await trx.raw(
      'INSERT INTO partition_snapshot_chunk (partition, sequence, chunk, body) VALUES (?, ?, ?, ?)',
      [partition, snapshot.sequence, chunks++, body],
    );
    bytes += body.length;
  }
  await trx.raw(
    'INSERT INTO partition_snapshot (partition, sequence, epoch, chunks, bytes) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (partition) DO UPDATE SET sequence = excluded.sequence, epoch = excluded.epoch, ' +
      'chunks = excluded.chunks, bytes = excluded.bytes, taken_at = CURRENT_TIMESTAMP',
    [partition, snapshot.sequence, commit.epoch, chunks, bytes],
  );
  // trimmed: the leading rows whose events are all behind the horizon (and never a row after
  // the snapshot); where the log then starts is kept with the clock before it
  const [last] = (
    await trx.raw<{ rows: { sequence: string; clock: ClockData | string }[] }>(
      'SELECT sequence::text AS sequence, clock FROM partition_changelog WHERE partition = ? ' +
        'AND sequence <= ? AND sequence < coalesce((SELECT min(sequence) FROM ' +
        'partition_changelog WHERE partition = ? AND max_event_time >= ?), ?) ' +
        'ORDER BY partition_changelog.sequence DESC LIMIT 1',
      [partition, snapshot.sequence, partition, snapshot.trimBefore, snapshot.sequence + 1],
    )
  ).rows;
  if (!last) return;
  await trx.raw('DELETE FROM partition_changelog WHERE partition = ? AND sequence <= ?', [
    partition,
    last.sequence,
  ]);
  await trx.raw(
    'INSERT INTO partition_log_start (partition, after_sequence, clock) VALUES (?, ?, ?::jsonb) ' +
      'ON CONFLICT (partition) DO UPDATE SET after_sequence = excluded.after_sequence, ' +
      'clock = excluded.clock',
    [partition, last.sequence, JSON.stringify(asClock(last.clock))],
  );
}

export async function readSnapshotIn(
  trx: Knex.Transaction,
  partition: number,
): Promise<StoredPartition['snapshot']> {
  const [row] = (
    await trx.raw<{ rows: { sequence: string }[] }>(
      'SELECT sequence::text AS sequence FROM partition_snapshot WHERE partition = ?',
      [partition],
    )
  ).rows;
  if (!row) return undefined;
  const chunks = (
    await trx.raw<{ rows: { body: Uint8Array }[] }>(
      'SELECT body FROM partition_snapshot_chunk WHERE partition = ? AND sequence = ? ' +
        'ORDER BY chunk',
      [partition, row.sequence],
    )
  ).rows.map((r) => decodeSnapshotChunk(r.body));
  return { sequence: Number(row.sequence), chunks };
}

export async function readLogIn(trx: Knex.Transaction, partition: number): Promise<PartitionLog> {
  const [start] = (
    await trx.raw<{ rows: { clock: ClockData | string }[] }>(
      'SELECT clock FROM partition_log_start WHERE partition = ?',
      [partition],
    )
  ).rows;
  const entries = (
    await trx.raw<{ rows: ChangelogRow[] }>(
      'SELECT sequence::text AS sequence, batch_id, body, clock FROM partition_changelog ' +
        'WHERE partition = ? ORDER BY partition_changelog.sequence',
      [partition],
    )
  ).rows.map(entryOf);
  return { ...(start ? { startClock: asClock(start.clock) } : {}), entries };
}
