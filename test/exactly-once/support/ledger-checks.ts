/**
 * What a run over the real stack must leave in the warehouse, whatever crashed or moved during
 * it: shared by the kill -9, fencing and scale-out suites. Each check returns what it found, so
 * a test asserts it equals what the simulator's ground truth says.
 */
import type { Knex } from 'knex';
import type { Kafka } from 'kafkajs';

export const FACT_TABLES = [
  ['impression', 'fact_impression'],
  ['click', 'fact_click'],
  ['conversion', 'fact_conversion'],
  ['bid_request', 'fact_bid_request'],
] as const;

export type FactType = (typeof FACT_TABLES)[number][0];

/** rows and distinct event ids per fact table */
export async function factCounts(
  db: Knex,
): Promise<Record<FactType, { rows: number; distinct: number }>> {
  const out = {} as Record<FactType, { rows: number; distinct: number }>;
  for (const [type, table] of FACT_TABLES) {
    const [row] = (await db(table).select(
      db.raw('count(*)::int AS n, count(DISTINCT event_id)::int AS d'),
    )) as { n: number; d: number }[];
    out[type] = { rows: row?.n ?? 0, distinct: row?.d ?? 0 };
  }
  return out;
}

export interface LedgerTotals {
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
}

export interface LedgerReport {
  /** batches that do not start where the previous one of their topic-partition ended */
  readonly misplaced: string[];
  /** batches whose counts do not add up, or cover more or fewer offsets than they received */
  readonly unconserved: string[];
  /** partitions whose loaded fact rows differ from the ledger's accepted count */
  readonly loadedVsAccepted: string[];
  readonly totals: LedgerTotals;
}

/**
 * The committed batches of every topic-partition must tile its offsets from 0 with no gap and no
 * overlap, each conserving received = accepted + rejected + duplicates, and each partition's fact
 * rows must number what its batches accepted.
 */
export async function ledgerReport(db: Knex): Promise<LedgerReport> {
  const ledger = (await db('load_ledger')
    .whereNotNull('source_topic')
    .select(
      'source_topic',
      'source_partition',
      db.raw('first_offset::text AS first'),
      db.raw('last_offset::text AS last'),
      'received',
      'accepted',
      'rejected',
      'duplicates',
    )
    .orderBy([
      { column: 'source_topic' },
      { column: 'source_partition' },
      { column: 'first_offset' },
    ])) as ({
    source_topic: string;
    source_partition: number;
    first: string;
    last: string;
  } & LedgerTotals)[];
  const misplaced: string[] = [];
  const unconserved: string[] = [];
  const next = new Map<string, bigint>();
  const byPartition = new Map<number, LedgerTotals>();
  for (const b of ledger) {
    const tp = `${b.source_topic}/${b.source_partition}`;
    const expected = next.get(tp) ?? 0n;
    if (BigInt(b.first) !== expected) misplaced.push(`${tp} ${b.first} (expected ${expected})`);
    next.set(tp, BigInt(b.last) + 1n);
    const span = Number(BigInt(b.last) - BigInt(b.first) + 1n);
    if (b.received !== b.accepted + b.rejected + b.duplicates || b.received !== span)
      unconserved.push(`${tp} ${b.first}-${b.last}`);
    const p = byPartition.get(b.source_partition) ?? zero;
    byPartition.set(b.source_partition, add(p, b));
  }
  const loaded = (
    await db.raw(
      `SELECT source_partition AS p, count(*)::int AS n FROM (
         SELECT source_partition FROM fact_impression UNION ALL SELECT source_partition FROM fact_click
         UNION ALL SELECT source_partition FROM fact_conversion UNION ALL SELECT source_partition FROM fact_bid_request) f
       GROUP BY 1`,
    )
  ).rows as { p: number; n: number }[];
  const loadedVsAccepted = loaded
    .filter(({ p, n }) => byPartition.get(p)?.accepted !== n)
    .map(({ p, n }) => `partition ${p}: ${n} rows, ${byPartition.get(p)?.accepted} accepted`);
  return {
    misplaced,
    unconserved,
    loadedVsAccepted,
    totals: [...byPartition.values()].reduce(add, zero),
  };
}

const zero: LedgerTotals = { received: 0, accepted: 0, rejected: 0, duplicates: 0 };
const add = (a: LedgerTotals, b: LedgerTotals): LedgerTotals => ({
  received: a.received + b.received,
  accepted: a.accepted + b.accepted,
  rejected: a.rejected + b.rejected,
  duplicates: a.duplicates + b.duplicates,
});

/** Lineage commits with the load: eight steps per loaded batch, none for a batch never loaded. */
export async function lineageProblems(db: Knex): Promise<{ incomplete: number; orphaned: number }> {
  const incomplete = (
    await db.raw(
      `SELECT count(*)::int AS n FROM load_ledger l WHERE l.source_topic IS NOT NULL AND
         (SELECT count(*) FROM lineage_step s WHERE s.batch_id = l.batch_id) <> 8`,
    )
  ).rows as { n: number }[];
  const orphaned = (
    await db.raw(
      `SELECT count(*)::int AS n FROM lineage_step s
       WHERE NOT EXISTS (SELECT 1 FROM load_ledger l WHERE l.batch_id = s.batch_id)`,
    )
  ).rows as { n: number }[];
  return { incomplete: incomplete[0]?.n ?? -1, orphaned: orphaned[0]?.n ?? -1 };
}

/** A check that is true once the committed positions reach the topics' ends (read once, now). */
export async function caughtUpCheck(
  db: Knex,
  kafka: Kafka,
  topics: readonly string[],
): Promise<() => Promise<boolean>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, string>();
  try {
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${p.partition}`, p.high);
  } finally {
    await admin.disconnect();
  }
  return async () => {
    const rows = (await db('consumer_offsets').select(
      'topic',
      'partition',
      db.raw('next_offset::text AS next'),
    )) as { topic: string; partition: number; next: string }[];
    const at = new Map(rows.map((r) => [`${r.topic}/${r.partition}`, r.next]));
    return [...ends].every(([tp, high]) => high === '0' || at.get(tp) === high);
  };
}

/** How many records the committed positions cover, summed over the given topics. */
export async function committedRecords(db: Knex, topics: readonly string[]): Promise<number> {
  const [row] = (await db('consumer_offsets')
    .whereIn('topic', topics)
    .select(db.raw('coalesce(sum(next_offset), 0)::bigint::text AS n'))) as { n: string }[];
  return Number(row?.n ?? 0);
}
