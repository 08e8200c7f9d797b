import type { ObjectStore, StoredObject } from '../../ports';

/**
 * Objects in a map. With `keepLatest`, only that many of the most recently written objects are
 * kept (a bucket with an expiry rule): the embedded run stages every batch but loads its rows
 * from the batch itself, so old staged files are never read again and would only grow the heap.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  constructor(private readonly options: { readonly keepLatest?: number } = {}) {}

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    // a rewrite counts as the latest object (Map order is insertion order)
    this.objects.delete(key);
    this.objects.set(key, {
      key,
      body: Uint8Array.from(body),
      contentType,
      metadata: { ...metadata },
    });
    const keep = this.options.keepLatest;
    if (keep === undefined) return;
    for (const oldest of this.objects.keys()) {
      if (this.objects.size <= keep) break;
      this.objects.delete(oldest);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const o = this.objects.get(key);
    // fresh bytes on every get, as S3 gives: a caller's mutation must not reach the store
    return o && { ...o, body: Uint8Array.from(o.body), metadata: { ...o.metadata } };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
