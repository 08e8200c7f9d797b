import { z } from 'zod';
import type { AdEvent, Mutable } from '../ad-event';
import { decimalToMicros } from '../money';
import type { SourceCoordinates } from '../source-record';
import { countryCode, deviceType, identifier, MAX_MICROS, timestampField } from './fields';

/**
 * contracts/clicks/click-conversion.v{1,2}.csv.json: columns are only ever appended, so the
 * column count names the version. test/unit/contracts.test.ts keeps these lists equal to the files.
 */
export const CLICK_COLUMNS_V1 = [
  'event_type',
  'event_id',
  'timestamp',
  'user_id',
  'campaign_id',
  'ad_id',
  'publisher_id',
  'impression_id',
  'revenue',
] as const;
export const CLICK_COLUMNS_V2 = [...CLICK_COLUMNS_V1, 'device_type', 'country'] as const;
export const CLICK_COLUMN_VERSIONS: ReadonlyMap<number, readonly string[]> = new Map<
  number,
  readonly string[]
>([
  [CLICK_COLUMNS_V1.length, CLICK_COLUMNS_V1],
  [CLICK_COLUMNS_V2.length, CLICK_COLUMNS_V2],
]);

const revenue = z
  .string()
  .max(24)
  .refine((text) => {
    const value = decimalToMicros(text);
    return value !== undefined && value >= 0 && value <= MAX_MICROS;
  }, 'revenue must be a non-negative decimal with at most 6 fraction digits');

export const clickRowSchema = z.object({
  event_type: z.enum(['click', 'conversion']),
  event_id: identifier(128),
  timestamp: timestampField,
  user_id: identifier(128),
  campaign_id: identifier(64),
  ad_id: identifier(64).optional(),
  publisher_id: identifier(64).optional(),
  impression_id: identifier(128).optional(),
  revenue: revenue.optional(),
  device_type: deviceType.optional(),
  country: countryCode.optional(),
});
export type ClickRow = z.infer<typeof clickRowSchema>;

/** Maps CSV fields to named columns; empty fields are absent. Undefined when no version has this many columns. */
export function clickColumnsToObject(
  fields: readonly string[],
): Record<string, string> | undefined {
  const columns = CLICK_COLUMN_VERSIONS.get(fields.length);
  if (!columns) return undefined;
  const row: Record<string, string> = {};
  for (let i = 0; i < columns.length; i++) {
    const value = fields[i];
    if (value !== undefined && value !== '') row[columns[i] as string] = value;
  }
  return row;
}

export function clickRowToAdEvent(
  row: ClickRow,
  eventTime: number,
  source: SourceCoordinates,
  userId: string = row.user_id,
): AdEvent {
  const event: Mutable<AdEvent> = {
    eventId: row.event_id,
    eventType: row.event_type,
    eventTime,
    userId,
    campaignId: row.campaign_id,
    source,
  };
  if (row.ad_id) event.adId = row.ad_id;
  if (row.publisher_id) event.publisherId = row.publisher_id;
  if (row.device_type) event.deviceType = row.device_type;
  if (row.country) event.country = row.country;
  if (row.event_type === 'click' && row.impression_id) event.impressionId = row.impression_id;
  if (row.event_type === 'conversion' && row.revenue !== undefined) {
    const revenueMicros = decimalToMicros(row.revenue);
    if (revenueMicros !== undefined) event.revenueMicros = revenueMicros;
  }
  return event;
}
