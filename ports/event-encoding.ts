import type { StageEncoding } from '../domain';

/**
 * How one stage after the decision writes an accepted event: the adapter's own per-event encoder
 * (the ad_events Avro record, the warehouse's stage row, the staged NDJSON line), exposed so the
 * domain can try it before accepting the event (BatchOptions.stageEncodings). The stage must then
 * use this very encoder, so what was tried is what it writes: an event every encoding takes cannot
 * make that stage throw, and a batch failing there anyway is a defect or an outage, not one record.
 */
export type EventEncoding = StageEncoding;
