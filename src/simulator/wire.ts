import type { Type } from 'avsc';
import { bidRequestType } from '../../adapters/codecs/bid-request-avro';
import { encodeConfluentAvro } from '../../adapters/codecs/confluent-avro';
import { encodeClickRow } from '../../adapters/codecs/csv-click';
import { encodeImpression } from '../../adapters/codecs/json-impression';
import type { Random } from './prng';
import type { SimBidRequest, SimClick, SimConversion, SimEvent, SimImpression } from './sim-events';
import type { SimulatedRecord } from './simulated-record';

export type ContractVersion = 1 | 2;

/** ISO-8601 in UTC ("…Z") or with a local offset ("…+05:30"): both are in the contracts. */
export function isoTime(time: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return new Date(time).toISOString();
  const local = new Date(time + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const OFFSETS = [0, 0, 0, 60, 120, -300, -420, 330, 540];

function textTime(random: Random, time: number): string {
  return random.chance(0.5) ? String(time) : isoTime(time, random.pick(OFFSETS));
}

/** contracts/impressions: v1 producers send ISO text, v2 producers mostly epoch ms */
export function impressionDocument(
  e: SimImpression,
  version: ContractVersion,
  random: Random,
): Record<string, unknown> {
  const timestamp =
    version === 2 && random.chance(0.7) ? e.time : isoTime(e.time, random.pick(OFFSETS));
  return {
    impression_id: e.id,
    timestamp,
    user_id: e.userId,
    campaign_id: e.campaignId,
    ad_id: e.adId,
    publisher_id: e.publisherId,
    device_type: e.device,
    country: e.country,
    win_price_micros: e.winPriceMicros,
    ...(version === 2 && e.bidRequestId !== undefined ? { bid_request_id: e.bidRequestId } : {}),
    ...(version === 2 ? { placement_id: e.placementId } : {}),
  };
}

/** contracts/clicks: 9 columns in v1, 11 (device_type, country appended) in v2 */
export function clickFields(
  e: SimClick | SimConversion,
  version: ContractVersion,
  random: Random,
): string[] {
  const fields = [
    e.kind,
    e.id,
    textTime(random, e.time),
    e.userId,
    e.campaignId,
    e.adId ?? '',
    e.publisherId,
    e.kind === 'click' ? (e.impressionId ?? '') : '',
    e.kind === 'conversion' ? e.revenue : '',
  ];
  return version === 2 ? [...fields, e.device, e.country] : fields;
}

const AVRO_DEVICE: Readonly<Record<SimBidRequest['device'], string>> = {
  mobile: 'MOBILE',
  desktop: 'DESKTOP',
  tablet: 'TABLET',
  ctv: 'CTV',
  other: 'OTHER',
};

/** contracts/bid-requests, as avsc takes it (unions unwrapped, null for absent) */
export function bidRequestRecord(
  e: SimBidRequest,
  version: ContractVersion,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    bid_request_id: e.id,
    timestamp: e.time,
    user_id: e.userId,
    campaign_id: e.campaignId,
    publisher_id: e.publisherId,
    ad_id: e.bidPriceMicros === undefined ? null : e.adId,
    device_type: AVRO_DEVICE[e.device],
    country: e.country,
    bid_floor_micros: e.floorMicros,
    bid_price_micros: e.bidPriceMicros ?? null,
    won: e.won,
  };
  if (version === 2) {
    record.win_price_micros = e.winPriceMicros ?? null;
    record.deal_id = e.dealId ?? null;
  }
  return record;
}

/** Writes simulated events in their topic's wire format, mixing contract versions. */
export class Wire {
  readonly avroTypes: Readonly<Record<ContractVersion, Type>> = {
    1: bidRequestType(1),
    2: bidRequestType(2),
  };

  constructor(
    private readonly random: Random,
    private readonly v2Share: number,
    readonly schemaIds: { readonly v1: number; readonly v2: number },
  ) {}

  version(): ContractVersion {
    return this.random.chance(this.v2Share) ? 2 : 1;
  }

  schemaId(version: ContractVersion): number {
    return version === 1 ? this.schemaIds.v1 : this.schemaIds.v2;
  }

  json(key: string, document: unknown): SimulatedRecord {
    return { topic: 'impressions', key, value: encodeImpression(document as object) };
  }

  csv(key: string, fields: readonly string[]): SimulatedRecord {
    return { topic: 'clicks', key, value: encodeClickRow(fields) };
  }

  avro(
    key: string,
    version: ContractVersion,
    record: unknown,
    schemaId = this.schemaId(version),
  ): SimulatedRecord {
    return {
      topic: 'bid_requests',
      key,
      value: encodeConfluentAvro(schemaId, this.avroTypes[version], record),
    };
  }

  encode(e: SimEvent): SimulatedRecord {
    const version = this.version();
    switch (e.kind) {
      case 'impression':
        return this.json(e.userId, impressionDocument(e, version, this.random));
      case 'click':
      case 'conversion':
        return this.csv(e.userId, clickFields(e, version, this.random));
      case 'bid_request':
        return this.avro(e.userId, version, bidRequestRecord(e, version));
    }
  }
}
