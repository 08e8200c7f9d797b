import { Type } from 'avsc';
import { readContract } from '../../adapters/codecs/contract-files';
import { AD_EVENT_SCHEMAS } from './contract-files';

/** The ad-event contract version the pipeline writes: the latest. */
export function adEventType(): Type {
  return Type.forSchema(
    JSON.parse(readContract(AD_EVENT_SCHEMAS[AD_EVENT_SCHEMAS.length - 1] as string)),
  );
}
