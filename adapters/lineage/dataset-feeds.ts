import type { Knex } from 'knex';
import { FACT_TABLES } from '../warehouse/fact-tables';

/** `adx lineage dataset`: which batches and Kafka ranges fed a table, day or campaign. */
export interface DatasetFeed {
  readonly table: string;
  readonly date: string;
  readonly campaignId: string;
  readonly batchId: string;
  readonly kafka: { topic: string; partition: number; minOffset: string; maxOffset: string };
  readonly rows: number;
}

const dateKey = (date: string): number => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new Error(`--date: expected YYYY-MM-DD, got '${date}'`);
  return Number(date.replace(/-/g, ''));
};

/** Which batches and Kafka ranges fed a fact table, optionally for one day and/or campaign. */
export async function datasetFeeds(
  knex: Knex,
  table: string,
  filter: { date?: string; campaign?: string } = {},
): Promise<DatasetFeed[]> {
  if (!Object.values(FACT_TABLES).includes(table))
    throw new Error(`unknown table '${table}' (one of ${Object.values(FACT_TABLES).join(', ')})`);
  const q = knex('audit_dataset')
    .select('*')
    .where({ table_name: table })
    .orderBy(['date_key', 'campaign_id', 'source_topic', 'source_partition', 'min_offset']);
  if (filter.date !== undefined) q.where({ date_key: dateKey(filter.date) });
  if (filter.campaign !== undefined) q.where({ campaign_id: filter.campaign });
  return ((await q) as Record<string, unknown>[]).map((r) => {
    const dk = String(r.date_key);
    return {
      table,
      date: `${dk.slice(0, 4)}-${dk.slice(4, 6)}-${dk.slice(6, 8)}`,
      campaignId: String(r.campaign_id),
      batchId: String(r.batch_id),
      kafka: {
        topic: String(r.source_topic),
        partition: Number(r.source_partition),
        minOffset: String(r.min_offset),
        maxOffset: String(r.max_offset),
      },
      rows: Number(r.rows),
    };
  });
}
