/**
 * What `adx` exits with (README "Exit codes"). 1 is kept for a clear "no" (a mismatch, something
 * not found), so a script can tell an answer from a failure.
 */
export const EXIT = {
  /** done; the answer is yes */
  ok: 0,
  /** the command ran and the answer is "no": an audit mismatch, a rebuild that differs, an id not found */
  no: 1,
  /** usage or configuration: a bad argument or variable, a warehouse missing or not migrated, a port in use */
  usage: 2,
  /** it failed while running: a service it needs failed, or a bug (ADX_DEBUG=1 shows the stack) */
  failed: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad argument or option found after parsing (commander reports the ones it can see itself). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
