import type { DomainEvent } from '../../domain';
import type { StateCommit, StateStore, StoredState, TopicPartitionOffset } from '../../ports';

/** Changelog, snapshot and positions in memory; a commit replaces all three at once. */
export class MemoryStateStore implements StateStore {
  private changelog: DomainEvent[] = [];
  private snapshot: { sequence: number; data: string } | undefined;
  private sequence = 0;
  private readonly positions = new Map<string, TopicPartitionOffset>();
  readonly intents: string[] = [];
  readonly committedBatches: string[] = [];

  async beginBatch(batchId: string): Promise<void> {
    this.intents.push(batchId);
  }

  async commit(commit: StateCommit): Promise<void> {
    this.sequence += commit.events.length;
    if (commit.snapshot !== undefined) {
      this.snapshot = { sequence: this.sequence, data: commit.snapshot };
      this.changelog = [];
    } else {
      this.changelog.push(...commit.events);
    }
    for (const p of commit.positions) this.positions.set(`${p.topic}:${p.partition}`, p);
    this.committedBatches.push(commit.batchId);
  }

  async load(): Promise<StoredState> {
    return {
      ...(this.snapshot ? { snapshot: this.snapshot } : {}),
      eventsAfterSnapshot: [...this.changelog],
      positions: [...this.positions.values()],
    };
  }

  async close(): Promise<void> {}
}
