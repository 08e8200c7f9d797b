/** The credits a warehouse holds, in the offline reference's terms (see offline-reference.ts). */
import type { Knex } from 'knex';
import { creditText } from './offline-reference';

export interface CreditRow {
  readonly event_type: string;
  readonly event_id: string;
  readonly model: string;
  readonly touch_event_type: string | null;
  readonly touch_event_id: string | null;
  readonly late: boolean;
}

export const creditRows = async (db: Knex): Promise<CreditRow[]> =>
  (await db('fact_attribution').select(
    'event_type',
    'event_id',
    'model',
    'touch_event_type',
    'touch_event_id',
    'late',
  )) as CreditRow[];

/** `eventType:eventId` → `model` or `model touchType:touchId`, as referenceCreditsById gives it */
export function creditsById(rows: readonly CreditRow[]): Map<string, string> {
  return new Map(
    rows.map((r) => [
      `${r.event_type}:${r.event_id}`,
      creditText(
        r.model,
        r.touch_event_id !== null
          ? { eventType: r.touch_event_type ?? '', eventId: r.touch_event_id }
          : undefined,
      ),
    ]),
  );
}
