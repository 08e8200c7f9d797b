import type { AssignmentListener, BatchHandler, EventSource, SourceBatch } from '../../ports';

/**
 * An event source that is assigned group 0 and hands its batches over all at once, as kafkajs
 * does with partitionsConsumedConcurrently, then ends.
 */
export class GroupZeroSource implements EventSource {
  handled: PromiseSettledResult<unknown>[] = [];
  constructor(private readonly batches: readonly SourceBatch[]) {}
  async run(handler: BatchHandler, assignment: AssignmentListener): Promise<void> {
    await assignment.assigned([0]);
    this.handled = await Promise.allSettled(this.batches.map((b) => handler(b)));
    // as the Kafka source does: a handler that failed ends run() with its error
    const failed = this.handled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  async commit(): Promise<void> {}
  async stop(): Promise<void> {}
  async lag(): Promise<ReadonlyMap<string, number>> {
    return new Map();
  }
}
