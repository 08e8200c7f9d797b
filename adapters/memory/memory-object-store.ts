import type { ObjectStore, StoredObject } from '../../ports';

export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    this.objects.set(key, {
      key,
      body: Uint8Array.from(body),
      contentType,
      metadata: { ...metadata },
    });
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
