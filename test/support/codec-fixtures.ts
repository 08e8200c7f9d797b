import { bidRequestSchemaText, type SchemaLookup } from '../../adapters/codecs';
import type { DecodedPayload, RejectionReason } from '../../domain';

/** Registry ids the codec tests stamp on bid requests, and a lookup that knows only those. */
export const V1 = 11;
export const V2 = 12;
const schemas = new Map<number, string>([
  [V1, bidRequestSchemaText(1)],
  [V2, bidRequestSchemaText(2)],
]);
export const lookup: SchemaLookup = async (id) => schemas.get(id);

export const reasonOf = (payload: DecodedPayload): RejectionReason | 'ok' =>
  payload.ok ? 'ok' : payload.rejection.reason;

export const valueOf = (payload: DecodedPayload): unknown => {
  if (!payload.ok) {
    throw new Error(
      `expected a value, got ${payload.rejection.reason}: ${payload.rejection.detail}`,
    );
  }
  return payload.value;
};

/** A v1 bid request as avsc decodes it, and a v2 one. */
export const bidV1 = {
  bid_request_id: 'br-1',
  timestamp: 1_714_564_800_000,
  user_id: 'user-1',
  campaign_id: 'cmp-001',
  publisher_id: 'pub-001',
  ad_id: null,
  device_type: 'MOBILE',
  country: 'US',
  bid_floor_micros: 1200,
  bid_price_micros: 1500,
  won: true,
};
export const bidV2 = {
  ...bidV1,
  bid_request_id: 'br-2',
  win_price_micros: 1300,
  deal_id: 'deal-7',
};
