import type { ObjectStore, StoredObject } from '../../ports';
import type { Retention } from './retention';

/**
 * Objects in a map. With a retention, only the most recently written objects are kept (a bucket
 * with an expiry rule): the embedded run stages every batch but loads its rows from the batch
 * itself, so old staged files are never read again and would only grow the heap.
 */
export class MemoryObjectStore implements ObjectStore {
  /** in the order written (a rewrite moves to the end): the oldest first */
  private readonly objects = new Map<
    string,
    { readonly object: StoredObject; readonly at: number }
  >();

  constructor(private readonly retention: Retention = {}) {}

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    const now = (this.retention.now ?? Date.now)();
    // a rewrite counts as the latest object (Map order is insertion order)
    this.objects.delete(key);
    this.objects.set(key, {
      object: { key, body: Uint8Array.from(body), contentType, metadata: { ...metadata } },
      at: now,
    });
    const { keepLatest = Number.POSITIVE_INFINITY, keepForMs } = this.retention;
    const horizon = keepForMs === undefined ? Number.NEGATIVE_INFINITY : now - keepForMs;
    // oldest first: stops at the first object kept (deleting while iterating a Map is safe)
    for (const [oldest, { at }] of this.objects) {
      if (this.objects.size <= keepLatest && at >= horizon) break;
      this.objects.delete(oldest);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(key)?.object;
    // fresh bytes on every get, as S3 gives: a caller's mutation must not reach the store
    return o && { ...o, body: Uint8Array.from(o.body), metadata: { ...o.metadata } };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
