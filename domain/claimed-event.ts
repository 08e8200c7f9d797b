import type { EventType } from './ad-event';
import type { SourceRecord } from './source-record';
import { clickColumnsToObject } from './sources/click-row';

/** What a record says it is, whether or not it passed validation. */
export interface ClaimedEvent {
  /** unknown for a CSV row whose event_type is missing or not click/conversion */
  readonly type?: EventType;
  readonly id: string;
}

const ID_FIELD = {
  impression: 'impression_id',
  click_or_conversion: 'event_id',
  bid_request: 'bid_request_id',
} as const;

/** the identifier rule's characters and length: anything else is not worth recording as an id */
const PLAUSIBLE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The event id (and type) a source record claims, read leniently from its decoded payload — for
 * records that never became an AdEvent (rejected), so an auditor asking after an event id can be
 * told that it arrived and why it stopped. Undefined when the payload did not decode or carries no
 * plausible id.
 */
export function claimedEvent(record: SourceRecord): ClaimedEvent | undefined {
  if (!record.payload.ok) return undefined;
  const value = record.payload.value;
  const fields =
    record.kind === 'click_or_conversion'
      ? Array.isArray(value)
        ? clickColumnsToObject(value as string[])
        : undefined
      : value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
  const id = fields?.[ID_FIELD[record.kind]];
  if (typeof id !== 'string' || !PLAUSIBLE_ID.test(id)) return undefined;
  if (record.kind !== 'click_or_conversion') return { type: record.kind, id };
  const type = fields?.event_type;
  return type === 'click' || type === 'conversion' ? { type, id } : { id };
}
