import type { Knex } from 'knex';
import type {
  AcquiredPartition,
  CommitResult,
  PartitionCommit,
  PartitionLog,
  StateStore,
  StoredPartition,
  TopicPartitionOffset,
} from '../../ports';
import { encodeStateEvents } from '../codecs/partition-state-avro';
import {
  entryOf,
  maxEventTime,
  readLogIn,
  readSnapshotIn,
  writeSnapshotIn,
  type ChangelogRow,
} from './partition-state-rows';
import { createPostgresKnex, type PostgresConnectionConfig } from './postgres-knex';
import type { DependencyPolicy } from '../resilience/dependency-policy';
import { postgresPolicyOf } from './postgres-policy';

export interface PostgresStateStoreOptions {
  /** destroy the knex instance on close(): true when the store opened it itself */
  readonly ownsConnection?: boolean;
}

/** Thrown inside a commit's transaction when the group has a newer owner: rolls it all back. */
export class OwnershipLost extends Error {
  constructor(
    readonly partition: number,
    readonly epoch: number,
  ) {
    super(`partition ${partition}: epoch ${epoch} is no longer the owner's`);
  }
}

/** Reads of several tables that must agree with each other, and change nothing. */
const READ_AT_ONE_POINT = { isolationLevel: 'repeatable read', readOnly: true } as const;

/**
 * Decider state and consumer positions in Postgres (server or PGlite; tables from migration 007),
 * per group: see ports/state-store.ts. A commit writes only the unit's changelog row (its events
 * in Avro) and positions; a snapshot replaces the group's previous one, chunk by chunk, and trims
 * changelog rows that can no longer matter.
 */
export class PostgresStateStore implements StateStore {
  /**
   * The server's policy (postgres-policy.ts) guards every call that owns its transaction; the
   * `...In` methods run inside a caller's transaction, whose own call is guarded instead (a
   * statement cannot be retried inside a transaction the error has already aborted).
   */
  private readonly policy: DependencyPolicy;

  constructor(
    readonly knex: Knex,
    private readonly options: PostgresStateStoreOptions = {},
  ) {
    this.policy = postgresPolicyOf(knex);
  }

  /**
   * Recorded (with a retry count) before any side effect; committed_at is set by the commit. A
   * retry after an insert that did land only counts one attempt more.
   */
  async beginBatch(batchId: string): Promise<void> {
    await this.policy.execute(() =>
      this.knex.raw(
        'INSERT INTO batch_intent (batch_id) VALUES (?) ' +
          'ON CONFLICT (batch_id) DO UPDATE SET attempts = batch_intent.attempts + 1, ' +
          'begun_at = CURRENT_TIMESTAMP',
        [batchId],
      ),
    );
  }

  /**
   * The next epoch, taken in its own transaction: it waits for a commit in flight under the old
   * epoch (which holds the lease row), and everything read afterwards includes that commit.
   */
  acquire(partition: number, owner: string, knownHead?: number): Promise<AcquiredPartition> {
    // a retry after a lease update that did land takes one epoch more: still this owner's, and
    // the newest, so the lost one fences nothing but itself
    return this.policy.execute(() => this.acquireOnce(partition, owner, knownHead));
  }

  private async acquireOnce(
    partition: number,
    owner: string,
    knownHead?: number,
  ): Promise<AcquiredPartition> {
    const rows = (
      await this.knex.raw<{ rows: { epoch: string }[] }>(
        'INSERT INTO partition_lease (partition, epoch, owner) VALUES (?, 1, ?) ' +
          'ON CONFLICT (partition) DO UPDATE SET epoch = partition_lease.epoch + 1, ' +
          'owner = excluded.owner, acquired_at = CURRENT_TIMESTAMP RETURNING epoch::text AS epoch',
        [partition, owner],
      )
    ).rows;
    const epoch = Number(rows[0]?.epoch);
    return this.knex.transaction(
      async (trx) => {
        const positions = (
          await trx.raw<{ rows: TopicPartitionOffset[] }>(
            'SELECT topic, partition, next_offset::text AS "offset" FROM consumer_offsets ' +
              'WHERE partition = ? ORDER BY topic',
            [partition],
          )
        ).rows.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset }));
        const [heads] = (
          await trx.raw<{ rows: { changelog: string | null; snapshot: string | null }[] }>(
            'SELECT (SELECT max(sequence) FROM partition_changelog WHERE partition = ?)::text ' +
              'AS changelog, (SELECT sequence FROM partition_snapshot WHERE partition = ?)::text ' +
              'AS snapshot',
            [partition, partition],
          )
        ).rows;
        const head = Math.max(Number(heads?.changelog ?? 0), Number(heads?.snapshot ?? 0));
        if (knownHead === head)
          return { partition, epoch, changes: [], head, positions, unchanged: true };
        const snapshot = await readSnapshotIn(trx, partition);
        const after = snapshot?.sequence ?? 0;
        const changes = (
          await trx.raw<{ rows: ChangelogRow[] }>(
            'SELECT sequence::text AS sequence, batch_id, body, clock FROM partition_changelog ' +
              'WHERE partition = ? AND sequence > ? ORDER BY partition_changelog.sequence',
            [partition, after],
          )
        ).rows.map(entryOf);
        return {
          partition,
          epoch,
          ...(snapshot ? { snapshot } : {}),
          changes,
          head,
          positions,
        };
      },
      { isolationLevel: 'repeatable read' },
    );
  }

  async commit(commit: PartitionCommit): Promise<CommitResult> {
    try {
      // a retry after a commit whose answer was lost fails on the changelog row's key instead
      // of writing it twice (the unit of work's ledger claim skips such a retry quietly)
      await this.policy.execute(() => this.knex.transaction((trx) => this.commitIn(trx, commit)));
      return { committed: true };
    } catch (error) {
      if (error instanceof OwnershipLost) return { committed: false };
      throw error;
    }
  }

  /**
   * The commit inside a transaction the caller owns (see PostgresUnitOfWork). The lease row is
   * locked first: the whole unit commits under the epoch, or throws OwnershipLost.
   */
  async commitIn(
    trx: Knex.Transaction,
    commit: PartitionCommit,
    options: { claimed?: boolean } = {},
  ): Promise<void> {
    const { partition, epoch } = commit;
    if (!options.claimed) await this.claimIn(trx, partition, epoch);
    if (commit.entry) {
      await trx.raw(
        'INSERT INTO partition_changelog ' +
          '(partition, sequence, batch_id, epoch, events, max_event_time, body, clock) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)',
        [
          partition,
          commit.entry.sequence,
          commit.batchId,
          epoch,
          commit.entry.events.length,
          maxEventTime(commit.entry),
          encodeStateEvents(commit.entry.events),
          JSON.stringify(commit.entry.clock),
        ],
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
    if (commit.snapshot) await writeSnapshotIn(trx, commit, commit.snapshot);
    await trx.raw('UPDATE batch_intent SET committed_at = CURRENT_TIMESTAMP WHERE batch_id = ?', [
      commit.batchId,
    ]);
  }

  /** Locks the group's lease row under this epoch, or throws OwnershipLost. */
  async claimIn(trx: Knex.Transaction, partition: number, epoch: number): Promise<void> {
    const owned = await trx.raw<{ rowCount: number | null }>(
      'UPDATE partition_lease SET committed_at = CURRENT_TIMESTAMP WHERE partition = ? AND epoch = ?',
      [partition, epoch],
    );
    if ((owned.rowCount ?? 0) !== 1) throw new OwnershipLost(partition, epoch);
  }

  async readLog(partition: number): Promise<PartitionLog> {
    return this.policy.execute(() =>
      this.knex.transaction((trx) => readLogIn(trx, partition), READ_AT_ONE_POINT),
    );
  }

  /** One read-only snapshot of the database: no lease row is touched, so no owner is fenced. */
  async readState(partition: number): Promise<StoredPartition> {
    return this.policy.execute(() => this.readStateOnce(partition));
  }

  private async readStateOnce(partition: number): Promise<StoredPartition> {
    return this.knex.transaction(async (trx) => {
      const snapshot = await readSnapshotIn(trx, partition);
      return {
        partition,
        ...(snapshot ? { snapshot } : {}),
        log: await readLogIn(trx, partition),
      };
    }, READ_AT_ONE_POINT);
  }

  async partitions(): Promise<number[]> {
    const rows = (
      await this.policy.execute(() =>
        this.knex.raw<{ rows: { partition: number }[] }>(
          'SELECT partition FROM partition_changelog UNION SELECT partition FROM partition_snapshot ' +
            'ORDER BY 1',
        ),
      )
    ).rows;
    return rows.map((r) => Number(r.partition));
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.knex.destroy();
  }
}

/** The state store on a PostgreSQL server, with its own connection pool (closed by close()). */
export function openPostgresStateStore(config: PostgresConnectionConfig): PostgresStateStore {
  return new PostgresStateStore(createPostgresKnex(config), { ownsConnection: true });
}
