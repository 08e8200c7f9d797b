import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly config?: Record<string, string>;
}

/**
 * Creates missing topics. Source topics must share one partition count (co-partitioning is what
 * lets a user's impressions, clicks and conversions meet in one partition), so an existing topic
 * with another count is an error, not something to paper over.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
      for (const t of metadata.topics) {
        const want = present.find((s) => s.topic === t.name)?.partitions;
        if (want !== undefined && t.partitions.length !== want) {
          throw new Error(
            `topic ${t.name} has ${t.partitions.length} partitions, expected ${want}: source topics must be co-partitioned`,
          );
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}
