import type { EventType } from '../../domain';
import { TOTALS } from './campaign-metrics-sql';

type Total = (typeof TOTALS)[number];

interface Contribution {
  /** the fact columns the totals need besides campaign and time */
  readonly columns: readonly string[];
  /** what the inserted rows add to each total not zero */
  readonly totals: Partial<Record<Total, string>>;
  /** the total that counts the rows themselves */
  readonly rows: Total;
}

/** What each fact table's rows add to the totals: the rule migration 010 seeded the totals with. */
const CONTRIBUTION: Readonly<Record<EventType, Contribution>> = {
  impression: {
    columns: ['cost_micros'],
    totals: { impressions: 'count(*)', spend_micros: 'coalesce(sum(cost_micros), 0)' },
    rows: 'impressions',
  },
  click: { columns: [], totals: { clicks: 'count(*)' }, rows: 'clicks' },
  conversion: {
    columns: ['revenue_micros'],
    totals: { conversions: 'count(*)', revenue_micros: 'coalesce(sum(revenue_micros), 0)' },
    rows: 'conversions',
  },
  bid_request: {
    columns: ['won'],
    totals: { bid_requests: 'count(*)', bids_won: 'sum(CASE WHEN won THEN 1 ELSE 0 END)' },
    rows: 'bid_requests',
  },
};

/**
 * One statement: the stage rows of one event type into its fact table (a row already there is
 * skipped), and what the rows it did insert add to the campaign totals, per campaign, hour and
 * day, into `aggregate_delta`, for the next refresh to add (migration 010). Bindings: batch id,
 * event type, batch id. Its rows' `facts` sum to the fact rows inserted. A column in `derived`
 * is computed by its SQL from the stage's columns rather than read from a column of its name.
 */
export function insertFactsWithDeltaSql(
  type: EventType,
  factTable: string,
  columns: readonly string[],
  stageTable: string,
  derived: Readonly<Record<string, string>> = {},
): string {
  const contribution = CONTRIBUTION[type];
  const returned = ['campaign_id', 'event_time_ms', 'date_key', ...contribution.columns];
  const selected = columns.map((c) => derived[c] ?? c);
  return `
    WITH inserted AS (
      INSERT INTO ${factTable} (${columns.join(', ')}, batch_id)
      SELECT ${selected.join(', ')}, ?::text FROM ${stageTable} WHERE event_type = ?
      ON CONFLICT (event_id) DO NOTHING
      RETURNING ${returned.join(', ')}
    )
    INSERT INTO aggregate_delta (batch_id, campaign_id, hour_start_ms, date_key, ${TOTALS.join(', ')})
    SELECT ?::text, campaign_id, (event_time_ms / 3600000) * 3600000, date_key,
           ${TOTALS.map((t) => contribution.totals[t] ?? '0').join(', ')}
    FROM inserted GROUP BY campaign_id, (event_time_ms / 3600000) * 3600000, date_key
    RETURNING ${contribution.rows} AS facts`;
}
