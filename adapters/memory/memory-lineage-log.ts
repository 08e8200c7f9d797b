import type { LineageLog, LineageStep } from '../../ports';

export class MemoryLineageLog implements LineageLog {
  /** keyed by batch and step: re-recording a retried batch replaces, never duplicates */
  private readonly steps = new Map<string, LineageStep>();

  async append(steps: readonly LineageStep[]): Promise<void> {
    for (const s of steps) this.steps.set(`${s.batchId}\u0000${s.step}`, s);
  }

  async stepsOfBatch(batchId: string): Promise<LineageStep[]> {
    return [...this.steps.values()].filter((s) => s.batchId === batchId);
  }

  get size(): number {
    return this.steps.size;
  }
}
