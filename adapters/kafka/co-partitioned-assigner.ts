import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const { MemberAssignment, MemberMetadata } = AssignerProtocol;

export const CO_PARTITIONED_ASSIGNER_NAME = 'AdxCoPartitioned';

/**
 * Assigns whole partition numbers, not topic-partitions: the member that gets partition p of one
 * source topic gets partition p of every subscribed topic. Producers key every source by user id
 * and all source topics have the same partition count, so this is what makes a user's
 * impressions, clicks, conversions and bid requests meet in one instance, whose per-partition
 * dedupe and attribution state then sees all of them. (kafkajs's only built-in assigner,
 * round robin over topic-partitions, would split partition p's topics across members.)
 * Partition numbers are dealt round robin over the members sorted by id, so the assignment is a
 * pure function of the membership.
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER_NAME,
  version: 0,

  async assign({ members, topics }) {
    const memberIds = members.map((m) => m.memberId).sort();
    const partitionsOf = new Map<string, number[]>(
      topics.map((topic) => [
        topic,
        cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
      ]),
    );
    const numbers = [...new Set([...partitionsOf.values()].flat())].sort((a, b) => a - b);
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    numbers.forEach((partition, i) => {
      const owner = assignment.get(memberIds[i % memberIds.length] as string) ?? {};
      for (const [topic, partitions] of partitionsOf) {
        if (partitions.includes(partition)) (owner[topic] ??= []).push(partition);
      }
    });
    return memberIds.map((memberId) => ({
      memberId,
      memberAssignment: MemberAssignment.encode({
        version: 0,
        assignment: assignment.get(memberId) ?? {},
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_ASSIGNER_NAME,
      metadata: MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
