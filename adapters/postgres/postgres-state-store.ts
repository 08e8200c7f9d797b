import type { Knex } from 'knex';
import type { DomainEvent } from '../../domain';
import type { StateCommit, StateStore, StoredState, TopicPartitionOffset } from '../../ports';
import { createPostgresKnex, type PostgresConnectionConfig } from './postgres-knex';

export interface PostgresStateStoreOptions {
  /** destroy the knex instance on close(): true when the store opened it itself */
  readonly ownsConnection?: boolean;
}

interface SnapshotRow {
  readonly sequence: string | number;
  readonly data: string;
}

/**
 * Decider state and consumer positions in Postgres (server or PGlite; tables from migrations/):
 * a changelog of domain events, the latest snapshot, and the next offset per topic-partition,
 * all written by one transaction per commit. load() is exactly what restoreState() needs.
 */
export class PostgresStateStore implements StateStore {
  constructor(
    readonly knex: Knex,
    private readonly options: PostgresStateStoreOptions = {},
  ) {}

  /** Recorded (with a retry count) before any side effect; committed_at is set by the commit. */
  async beginBatch(batchId: string): Promise<void> {
    await this.knex.raw(
      'INSERT INTO batch_intent (batch_id) VALUES (?) ' +
        'ON CONFLICT (batch_id) DO UPDATE SET attempts = batch_intent.attempts + 1, ' +
        'begun_at = CURRENT_TIMESTAMP',
      [batchId],
    );
  }

  commit(commit: StateCommit): Promise<void> {
    return this.knex.transaction((trx) => this.commitIn(trx, commit));
  }

  /**
   * The commit inside a transaction the caller owns (see PostgresUnitOfWork). With a snapshot,
   * this commit's events are already folded into it, so they are not appended, and every older
   * changelog row is dropped: the snapshot plus what follows it is the whole state.
   */
  async commitIn(trx: Knex.Transaction, commit: StateCommit): Promise<void> {
    if (commit.snapshot !== undefined) {
      // a number from the changelog's own sequence: above every event it covers, below every later one
      const [row] = (
        await trx.raw<{ rows: { sequence: string | number }[] }>(
          "SELECT nextval('state_changelog_sequence_seq') AS sequence",
        )
      ).rows;
      const sequence = String(row?.sequence);
      await trx.raw('DELETE FROM state_snapshot');
      await trx.raw('DELETE FROM state_changelog WHERE sequence < ?::bigint', [sequence]);
      await trx.raw(
        'INSERT INTO state_snapshot (sequence, batch_id, data) VALUES (?::bigint, ?, ?)',
        [sequence, commit.batchId, commit.snapshot],
      );
    } else if (commit.events.length > 0) {
      // one statement and one parameter for the whole batch; sequence follows array order
      await trx.raw(
        'INSERT INTO state_changelog (batch_id, event) ' +
          'SELECT ?::text, value FROM json_array_elements(?::json) WITH ORDINALITY AS e(value, n) ' +
          'ORDER BY n',
        [commit.batchId, JSON.stringify(commit.events)],
      );
    }
    if (commit.positions.length > 0) {
      await trx.raw(
        'INSERT INTO consumer_offsets (topic, partition, next_offset, batch_id) ' +
          "SELECT p->>'topic', (p->>'partition')::integer, (p->>'offset')::bigint, ?::text " +
          'FROM json_array_elements(?::json) AS p ' +
          'ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset, ' +
          'batch_id = excluded.batch_id, updated_at = CURRENT_TIMESTAMP',
        [commit.batchId, JSON.stringify(commit.positions)],
      );
    }
    await trx.raw('UPDATE batch_intent SET committed_at = CURRENT_TIMESTAMP WHERE batch_id = ?', [
      commit.batchId,
    ]);
  }

  /** Read in one REPEATABLE READ snapshot, so a commit landing meanwhile is seen whole or not at all. */
  load(): Promise<StoredState> {
    return this.knex.transaction(
      async (trx) => {
        const snapshots = await trx.raw<{ rows: SnapshotRow[] }>(
          'SELECT sequence::text AS sequence, data FROM state_snapshot ORDER BY sequence DESC LIMIT 1',
        );
        const snapshot = snapshots.rows[0];
        const after = snapshot ? String(snapshot.sequence) : '0';
        const events = await trx.raw<{ rows: { event: DomainEvent | string }[] }>(
          'SELECT event FROM state_changelog WHERE sequence > ?::bigint ORDER BY sequence',
          [after],
        );
        const positions = await trx.raw<{ rows: TopicPartitionOffset[] }>(
          'SELECT topic, partition, next_offset::text AS "offset" FROM consumer_offsets ' +
            'ORDER BY topic, partition',
        );
        return {
          ...(snapshot
            ? { snapshot: { sequence: Number(snapshot.sequence), data: snapshot.data } }
            : {}),
          // json columns arrive parsed from pg and PGlite alike; a string would be a driver setting
          eventsAfterSnapshot: events.rows.map((r) =>
            typeof r.event === 'string' ? (JSON.parse(r.event) as DomainEvent) : r.event,
          ),
          positions: positions.rows.map((p) => ({
            topic: p.topic,
            partition: p.partition,
            offset: p.offset,
          })),
        };
      },
      { isolationLevel: 'repeatable read' },
    );
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.knex.destroy();
  }
}

/** The state store on a PostgreSQL server, with its own connection pool (closed by close()). */
export function openPostgresStateStore(config: PostgresConnectionConfig): PostgresStateStore {
  return new PostgresStateStore(createPostgresKnex(config), { ownsConnection: true });
}
