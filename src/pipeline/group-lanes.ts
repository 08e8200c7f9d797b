/**
 * The order units of work run in. A group's (a partition number's) units run one at a time, in
 * the order they arrive: each starts from the state the previous one left, and its commit must
 * follow the previous one's. Units of different groups overlap: their state, changelog, positions
 * and epochs are separate, so one group's load can wait on Postgres while another decodes. Work that
 * needs every group still (a hand-over at a group join, the end of a bounded input) waits for
 * every unit in flight and holds back new ones until it is done.
 */
export class GroupLanes {
  /** per group, the end of its last queued unit (never rejects) */
  private readonly tails = new Map<number, Promise<unknown>>();
  /** the end of the last whole-member work (never rejects) */
  private barrier: Promise<unknown> = Promise.resolve();

  /** one unit of work on one group, after the group's earlier ones and any hand-over queued first */
  run<T>(group: number, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(group);
    const next = (previous ? Promise.all([this.barrier, previous]) : this.barrier).then(work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(group, tail);
    // a group that went quiet leaves nothing behind
    void tail.then(() => {
      if (this.tails.get(group) === tail) this.tails.delete(group);
    });
    return next;
  }

  /** work on the whole member: after every unit queued so far, before any queued later */
  all<T>(work: () => Promise<T>): Promise<T> {
    const next = Promise.all([this.barrier, ...this.tails.values()]).then(work);
    this.barrier = next.then(
      () => undefined,
      () => undefined,
    );
    // every later unit waits for the barrier, which waits for these
    this.tails.clear();
    return next;
  }

  /** resolves once everything queued so far has ended, however it ended */
  async settled(): Promise<void> {
    await this.all(async () => undefined);
  }
}
