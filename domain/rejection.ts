import type { SourceCoordinates } from './source-record';

/** Why a source record was not accepted. Machine-readable: alerting and the dead-letter topic key on it. */
export const REJECTION_REASONS = [
  'missing_field',
  'invalid_type',
  'invalid_value',
  'corrupt_payload',
  'unknown_schema',
  'too_large',
  'late_beyond_retention',
  /**
   * decoding or validation threw on the record, or a later stage's encoder on its accepted event:
   * a defect met by this input, kept with the error
   */
  'processing_error',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** A typed "bad row": the reason, the field path where it failed ('' for the whole payload) and a short detail. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly path: string;
  readonly detail: string;
}

export interface RejectedRecord {
  readonly source: SourceCoordinates;
  readonly rejection: Rejection;
}

const MAX_DETAIL = 256;
const MAX_PATH = 128;

export function rejection(reason: RejectionReason, path: string, detail: string): Rejection {
  // details echo untrusted input: keep them short and printable so logs and DLQ headers stay safe
  const safe = detail.replace(/[^\x20-\x7e]/g, '?');
  // a path can name a field the producer made up (an unknown JSON key): same treatment
  const safePath = path.replace(/[^\x20-\x7e]/g, '?');
  return {
    reason,
    path: safePath.length > MAX_PATH ? `${safePath.slice(0, MAX_PATH)}...` : safePath,
    detail: safe.length > MAX_DETAIL ? `${safe.slice(0, MAX_DETAIL)}...` : safe,
  };
}

export function emptyReasonCounts(): Record<RejectionReason, number> {
  return Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<
    RejectionReason,
    number
  >;
}

/**
 * A stage threw on a record. The detail names the stage and the error (name and message, made
 * printable and short like every detail); never the stack, which says nothing about the record.
 */
export function processingErrorRejection(stage: string, error: unknown): Rejection {
  const e = error as { name?: unknown; message?: unknown } | null;
  const what =
    e !== null && typeof e === 'object' && typeof e.message === 'string'
      ? `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}`
      : `thrown ${typeof error}`;
  return rejection('processing_error', '', `${stage} threw ${what}`);
}
