/**
 * Follow-up events (the impression after a won auction, a click after an impression, a conversion
 * hours later) wait here until the simulated clock reaches their arrival time. A binary min-heap
 * on (arrival, sequence): the sequence breaks ties so the order, and so the output, is
 * deterministic.
 */
interface Entry<T> {
  readonly arrival: number;
  readonly seq: number;
  readonly item: T;
}

export class Schedule<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(arrival: number, item: T): void {
    const heap = this.heap;
    heap.push({ arrival, seq: this.seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** the earliest item if it has arrived by `now` */
  popDue(now: number): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top || top.arrival > now) return undefined;
    const last = heap.pop() as Entry<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(left, smallest)) smallest = left;
        if (right < heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top.item;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a] as Entry<T>;
    const y = this.heap[b] as Entry<T>;
    return x.arrival < y.arrival || (x.arrival === y.arrival && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    [heap[a], heap[b]] = [heap[b] as Entry<T>, heap[a] as Entry<T>];
  }
}
