/**
 * Clicks and conversions waiting for the watermark to pass their event time, as a binary min-heap
 * on (time, id): releasing in that order makes results independent of arrival order.
 */
export interface PendingAttribution {
  readonly eventType: 'click' | 'conversion';
  readonly id: string;
  readonly time: number;
  readonly userId: string;
  readonly campaignId: string;
  readonly impressionId?: string;
  /** the user's pseudonyms under older keys: touches recorded under them count too */
  readonly userAliases?: readonly string[];
  /** it arrived behind the watermark, so touches that arrive after it cannot be waited for */
  readonly late: boolean;
}

export type PendingQueue = PendingAttribution[];

const less = (a: PendingAttribution, b: PendingAttribution): boolean =>
  a.time < b.time || (a.time === b.time && a.id < b.id);

export function pushPending(heap: PendingQueue, item: PendingAttribution): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i] as PendingAttribution, heap[parent] as PendingAttribution)) break;
    [heap[i], heap[parent]] = [heap[parent] as PendingAttribution, heap[i] as PendingAttribution];
    i = parent;
  }
}

export function peekPending(heap: PendingQueue): PendingAttribution | undefined {
  return heap[0];
}

export function popPending(heap: PendingQueue): PendingAttribution | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l] as PendingAttribution, heap[m] as PendingAttribution))
      m = l;
    if (r < heap.length && less(heap[r] as PendingAttribution, heap[m] as PendingAttribution))
      m = r;
    if (m === i) return top;
    [heap[i], heap[m]] = [heap[m] as PendingAttribution, heap[i] as PendingAttribution];
    i = m;
  }
}

const order = (a: PendingAttribution, b: PendingAttribution): number =>
  less(a, b) ? -1 : less(b, a) ? 1 : 0;

/**
 * Items with time < mark, in release order, without changing the queue. The heap property means a
 * node at or past the mark has no due descendants, so only due nodes and their children are visited.
 */
export function pendingBefore(heap: PendingQueue, mark: number): PendingAttribution[] {
  const due: PendingAttribution[] = [];
  const stack = heap.length > 0 ? [0] : [];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const item = heap[i];
    if (item === undefined || item.time >= mark) continue;
    due.push(item);
    stack.push(2 * i + 1, 2 * i + 2);
  }
  return due.sort(order);
}
