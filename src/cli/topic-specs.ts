import type { TopicSpec } from '../../adapters/kafka/kafka-topics';
import type { AppConfig } from '../config/config';

/** Every topic the pipeline reads or writes; the source topics share one partition count. */
export function sourceTopicSpecs(config: AppConfig): TopicSpec[] {
  const t = config.topics;
  const partitions = config.partitions;
  return [
    { topic: t.impressions, partitions },
    { topic: t.clicks, partitions },
    { topic: t.bidRequests, partitions },
    { topic: t.adEvents, partitions },
    {
      topic: t.deadLetter,
      partitions: 1,
      config: { 'retention.ms': String(30 * 24 * 3600 * 1000) },
    },
  ];
}
