import type { PartitionMetadata } from 'kafkajs';

/** A topic's partitions as kafkajs's metadata lists them: all healthy, led by broker 1. */
export const healthyPartitions = (partitions: number): PartitionMetadata[] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
