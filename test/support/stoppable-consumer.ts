import type {
  AssignmentListener,
  BatchHandler,
  EventSource,
  TopicPartitionOffset,
} from '../../ports';

/**
 * An EventSource whose consumer the test can stop and start again while the service keeps
 * running (and keeps serving /metrics): pause() stops the consumer for real (it leaves its group),
 * resume() starts a fresh one from the last committed positions. The fault of "a stopped
 * consumer" without stopping the process.
 */
export class StoppableConsumer implements EventSource {
  private current: EventSource;
  private readonly positions = new Map<string, TopicPartitionOffset>();
  private gate: { opened: Promise<void>; open: () => void } | undefined;
  private stopping = false;

  constructor(private readonly make: () => EventSource) {
    this.current = make();
  }

  async run(handler: BatchHandler, assignment: AssignmentListener): Promise<void> {
    for (;;) {
      await this.current.run(handler, assignment);
      const gate = this.gate;
      if (this.stopping || !gate) return;
      await gate.opened;
      this.gate = undefined;
      if (this.stopping) return;
      // a fresh consumer joins the group again, and the listener restores and positions it
      this.current = this.make();
    }
  }

  commit(positions: readonly TopicPartitionOffset[]): Promise<void> {
    this.remember(positions);
    return this.current.commit(positions);
  }

  /** the consumer finishes its batch in flight, leaves the group and reads nothing more */
  async pause(): Promise<void> {
    let open = (): void => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open };
    await this.current.stop();
  }

  resume(): void {
    this.gate?.open();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.gate?.open();
    await this.current.stop();
  }

  lag(): Promise<ReadonlyMap<string, number>> {
    return this.current.lag();
  }

  private remember(positions: readonly TopicPartitionOffset[]): void {
    for (const p of positions) this.positions.set(`${p.topic}:${p.partition}`, p);
  }
}
