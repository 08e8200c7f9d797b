/**
 * What the warehouse says about a run: batches and records per batch from load_ledger, the
 * conservation check (fact rows + rejected + duplicates = records produced), and freshness.
 *
 * Freshness is per record: its batch's load_ledger.loaded_at minus the record's Kafka timestamp
 * (CreateTime, stamped by the producer on this same machine, so within a few ms of the broker's
 * append time). loaded_at is Postgres' now() in the load transaction, i.e. when that transaction
 * began: the commit follows it by the rest of the load (see the load stage), so the figure is low
 * by up to one load's duration.
 */
import type { Knex } from 'knex';

const FACTS = ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'];

export interface LedgerFigures {
  readonly batches: number;
  readonly recordsPerBatch: { mean: number; p50: number; max: number };
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly factRows: number;
  /** first batch intent begun (ms since epoch): the service's work starts here */
  readonly firstBegunMs: number;
  readonly lastLoadedMs: number;
  readonly freshnessMs?: { p50: number; p99: number; max: number; records: number };
}

function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function ledgerFigures(
  db: Knex,
  timestamps?: ReadonlyMap<string, Float64Array>,
): Promise<LedgerFigures> {
  const ledger = (
    await db.raw(
      `SELECT source_topic AS topic, source_partition AS partition, first_offset::text AS first,
              last_offset::text AS last, received, accepted, rejected, duplicates,
              (extract(epoch FROM loaded_at) * 1000)::float8 AS loaded_ms
         FROM load_ledger WHERE source_topic IS NOT NULL`,
    )
  ).rows as {
    topic: string;
    partition: number;
    first: string;
    last: string;
    received: number;
    accepted: number;
    rejected: number;
    duplicates: number;
    loaded_ms: number;
  }[];
  const facts = (
    await db.raw(
      `SELECT (${FACTS.map((f) => `(SELECT count(*) FROM ${f})`).join(' + ')})::int AS n`,
    )
  ).rows as { n: number }[];
  const begun = (
    await db.raw(
      'SELECT (extract(epoch FROM min(begun_at)) * 1000)::float8 AS ms FROM batch_intent',
    )
  ).rows as { ms: number | null }[];

  const sizes = ledger.map((b) => b.received).sort((a, b) => a - b);
  const sum = (pick: (b: (typeof ledger)[number]) => number) =>
    ledger.reduce((a, b) => a + pick(b), 0);
  const received = sum((b) => b.received);

  let freshnessMs: LedgerFigures['freshnessMs'];
  if (timestamps) {
    const ages = new Float64Array(received);
    let n = 0;
    for (const b of ledger) {
      const stamps = timestamps.get(`${b.topic}/${b.partition}`);
      if (!stamps) continue;
      for (let o = Number(b.first); o <= Number(b.last) && n < ages.length; o++) {
        const ts = stamps[o];
        if (ts) ages[n++] = b.loaded_ms - ts;
      }
    }
    const sorted = ages.subarray(0, n).sort();
    freshnessMs = {
      p50: Math.round(quantile(sorted, 0.5)),
      p99: Math.round(quantile(sorted, 0.99)),
      max: Math.round(sorted[n - 1] ?? NaN),
      records: n,
    };
  }
  return {
    batches: ledger.length,
    recordsPerBatch: {
      mean: Math.round(received / Math.max(1, ledger.length)),
      p50: quantile(sizes, 0.5),
      max: sizes[sizes.length - 1] ?? 0,
    },
    received,
    accepted: sum((b) => b.accepted),
    rejected: sum((b) => b.rejected),
    duplicates: sum((b) => b.duplicates),
    factRows: facts[0]?.n ?? 0,
    firstBegunMs: begun[0]?.ms ?? NaN,
    lastLoadedMs: Math.max(...ledger.map((b) => b.loaded_ms)),
    ...(freshnessMs ? { freshnessMs } : {}),
  };
}
