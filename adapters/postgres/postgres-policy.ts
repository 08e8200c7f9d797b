import type { Knex } from 'knex';
import {
  dependencyPolicy,
  type DependencyPolicy,
  type PolicySettings,
  NETWORK_ERROR_CODES,
} from '../resilience/dependency-policy';

/**
 * Bounds of one Postgres attempt, kept by the server and the driver rather than by abandoning the
 * promise: a transaction given up client-side would run on in the server, holding the group's
 * lease row and the ledger row while its retry waits on them, and whether it committed would be
 * anyone's guess. `statement_timeout` ends a statement in the server, which aborts and rolls back
 * its transaction and answers the attempt with 57014; `lock_timeout` does the same for a lock
 * wait (55P03); `idle_in_transaction_session_timeout` ends the session of a client that vanished
 * mid-transaction, so its locks do not outlive it. Connecting and waiting for a pooled
 * connection are bounded client-side, where nothing has started yet.
 */
export interface PostgresTimeouts {
  readonly statementMs: number;
  readonly lockMs: number;
  readonly idleInTransactionMs: number;
  /** the TCP connection and Postgres start-up (pg's connectionTimeoutMillis) */
  readonly connectMs: number;
  /** waiting for a free connection of the pool (knex's acquireConnectionTimeout) */
  readonly acquireMs: number;
}

/** A batch's load is one COPY and a few set-based statements: seconds at most when all is well. */
export const POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementMs: 30_000,
  lockMs: 10_000,
  idleInTransactionMs: 60_000,
  connectMs: 5_000,
  acquireMs: 10_000,
};

/**
 * Every call that owns its transaction (or is one statement): 3 attempts, jittered exponential
 * pauses from 200 ms to 2 s, breaker after 5 failed calls in a row with a 10 s cooldown. The
 * attempt timeout is cooperative (see PostgresTimeouts): the statement timeout ends the attempt.
 * No bulkhead: the pool (5 connections) already is one, and acquireMs bounds the wait for it.
 */
export const POSTGRES_POLICY: PolicySettings = {
  attemptTimeoutMs: POSTGRES_TIMEOUTS.statementMs,
  attemptTimeout: 'cooperative',
  attempts: 3,
  backoff: { initialDelayMs: 200, maxDelayMs: 2000 },
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
};

/**
 * Worth another attempt: the server not there for us (class 08, 57P01-57P03, 53300), a
 * statement or lock wait the server ended (57014, 55P03), a session it ended (25P03), a
 * serialization failure or deadlock (40001, 40P01; the transaction was rolled back whole), and a
 * connection that broke or could not be had. Constraint violations, syntax errors, permission
 * errors and the fencing of a stale owner are final.
 */
const TRANSIENT_CODES = /^(08...|57P0[123]|53300|57014|55P03|25P03|40001|40P01)$/;
const GONE =
  /Connection terminated|connection (is )?closed|Timeout acquiring a connection|the database system is (starting up|shutting down)/i;

export function isTransientPostgresError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; typeof e === 'object' && e !== null && !seen.has(e);) {
    seen.add(e);
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (TRANSIENT_CODES.test(code) || NETWORK_ERROR_CODES.has(code)))
      return true;
    if (typeof message === 'string' && GONE.test(message)) return true;
    e = cause;
  }
  return false;
}

/** one policy per database connection pool: one breaker for the one server */
const POLICIES = new WeakMap<Knex, DependencyPolicy>();

/** For a knex on a Postgres server (createPostgresKnex): the adapters sharing it share this. */
export function guardPostgres(knex: Knex, settings: PolicySettings = POSTGRES_POLICY): void {
  POLICIES.set(
    knex,
    dependencyPolicy('postgres', settings, { isTransient: isTransientPostgresError }),
  );
}

/**
 * PGlite runs in this process: nothing there to be down, no network to time out, and an error it
 * throws is an answer. Its calls run once, as they are.
 */
const IN_PROCESS = dependencyPolicy(
  'postgres',
  {
    ...POSTGRES_POLICY,
    attempts: 1,
    breakerFailures: 0,
  },
  { isTransient: () => false },
);

/** The policy of the server behind this knex; a knex not made by createPostgresKnex runs calls once. */
export function postgresPolicyOf(knex: Knex): DependencyPolicy {
  return POLICIES.get(knex) ?? IN_PROCESS;
}
