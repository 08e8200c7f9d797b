/** Staging storage (S3 or a stand-in). Keys are deterministic, so a retried put overwrites. */
export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata?: Record<string, string>,
  ): Promise<void>;
  get(key: string): Promise<StoredObject | undefined>;
  list(prefix: string): Promise<string[]>;
}
