/** The source topics, by their logical names; the caller maps them to configured topic names. */
export type SimulatedTopic = 'impressions' | 'clicks' | 'bid_requests';

/** One record as a producer would send it: key = raw user id, value in the topic's wire format. */
export interface SimulatedRecord {
  readonly topic: SimulatedTopic;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Record<string, string>;
}
