import { Type } from 'avsc';
import { readContract } from '../../adapters/codecs/contract-files';
import { AD_EVENT_SCHEMAS } from './contract-files';

let latest: Type | undefined;

/**
 * The ad-event contract version the pipeline writes: the latest, compiled once. One instance for
 * the whole process, so the encoding tried before acceptance and the publisher's share their
 * encoded bodies (adapters/kafka/ad-event-record.ts keys them by type).
 */
export function adEventType(): Type {
  latest ??= Type.forSchema(
    JSON.parse(readContract(AD_EVENT_SCHEMAS[AD_EVENT_SCHEMAS.length - 1] as string)),
  );
  return latest;
}
