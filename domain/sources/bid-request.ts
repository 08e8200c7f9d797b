import { z } from 'zod';
import type { AdEvent, DeviceType, Mutable } from '../ad-event';
import type { SourceCoordinates } from '../source-record';
import { countryCode, identifier, micros } from './fields';

/** contracts/bid-requests/bid-request.v{1,2}.avsc, as the Avro decoder hands it over. */
export const bidRequestSchema = z.object({
  bid_request_id: identifier(128),
  timestamp: z.number().int(),
  user_id: identifier(128),
  campaign_id: identifier(64),
  publisher_id: identifier(64),
  ad_id: identifier(64).nullish(),
  device_type: z.enum(['MOBILE', 'DESKTOP', 'TABLET', 'CTV', 'OTHER']),
  country: countryCode,
  bid_floor_micros: micros,
  bid_price_micros: micros.nullish(),
  won: z.boolean(),
  win_price_micros: micros.nullish(),
  deal_id: identifier(64).nullish(),
});
export type BidRequest = z.infer<typeof bidRequestSchema>;

export function bidRequestToAdEvent(
  row: BidRequest,
  eventTime: number,
  source: SourceCoordinates,
  userId: string = row.user_id,
): AdEvent {
  const event: Mutable<AdEvent> = {
    eventId: row.bid_request_id,
    eventType: 'bid_request',
    eventTime,
    userId,
    campaignId: row.campaign_id,
    publisherId: row.publisher_id,
    deviceType: row.device_type.toLowerCase() as DeviceType,
    country: row.country,
    bidFloorMicros: row.bid_floor_micros,
    won: row.won,
    source,
  };
  if (row.ad_id) event.adId = row.ad_id;
  if (row.bid_price_micros != null) event.bidPriceMicros = row.bid_price_micros;
  return event;
}
