import { BID_REQUEST_CONTRACTS } from '../../adapters/codecs/bid-request-avro';

/** Registry subjects follow TopicNameStrategy: <topic>-value. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export const BID_REQUEST_SCHEMAS = BID_REQUEST_CONTRACTS;
export const AD_EVENT_SCHEMAS = [
  'ad-events/ad-event.v1.avsc',
  'ad-events/ad-event.v2.avsc',
] as const;
