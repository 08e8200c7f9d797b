import { z } from 'zod';
import type { AdEvent, Mutable } from '../ad-event';
import type { SourceCoordinates } from '../source-record';
import { countryCode, deviceType, identifier, micros, timestampField } from './fields';

/** contracts/impressions/impression.v2.schema.json (v1 documents are valid v2 documents). */
export const impressionSchema = z.object({
  impression_id: identifier(128),
  timestamp: timestampField,
  user_id: identifier(128),
  campaign_id: identifier(64),
  ad_id: identifier(64),
  publisher_id: identifier(64),
  device_type: deviceType.nullish(),
  country: countryCode.nullish(),
  win_price_micros: micros,
  bid_request_id: identifier(128).nullish(),
  placement_id: identifier(64).nullish(),
});
export type Impression = z.infer<typeof impressionSchema>;

export function impressionToAdEvent(
  row: Impression,
  eventTime: number,
  source: SourceCoordinates,
  userId: string = row.user_id,
): AdEvent {
  // assigned field by field: conditional spreads allocate a temporary per optional field
  const event: Mutable<AdEvent> = {
    eventId: row.impression_id,
    eventType: 'impression',
    eventTime,
    userId,
    campaignId: row.campaign_id,
    adId: row.ad_id,
    publisherId: row.publisher_id,
    costMicros: row.win_price_micros,
    source,
  };
  if (row.device_type) event.deviceType = row.device_type;
  if (row.country) event.country = row.country;
  return event;
}
