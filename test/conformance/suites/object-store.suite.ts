import type { ObjectStore } from '../../../ports';
import { binaryBytes, sameBytes, SLOW_MS, uniqueName } from '../support/conformance-kit';

export interface ObjectStoreHarness {
  readonly store: ObjectStore;
  cleanup?: () => Promise<void>;
}

/**
 * The ObjectStore contract (S3 semantics): bytes round-trip exactly, a put to the same key
 * replaces the object (deterministic staging keys make a retry overwrite, never add), list is a
 * plain string-prefix match in key order. Metadata keys are lowercase ASCII, as S3 keeps them.
 */
export function objectStoreConformance(
  name: string,
  make: () => Promise<ObjectStoreHarness>,
): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let harness: ObjectStoreHarness;
    let store: ObjectStore;
    let root: string;

    beforeEach(async () => {
      harness = await make();
      store = harness.store;
      root = `${uniqueName('conformance')}/`;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('round-trips binary bytes exactly, with content type and metadata', async () => {
      const key = `${root}staging/fact_impression/dt=2026-11-26/impressions-0-0-9.ndjson.gz`;
      const body = binaryBytes(4096);
      await store.put(key, body, 'application/gzip', { batchid: 'impressions-0-0-9', rows: '10' });
      const stored = await store.get(key);
      expect(stored).toBeDefined();
      expect(stored?.key).toBe(key);
      expect(sameBytes(stored?.body, body)).toBe(true);
      expect(stored?.contentType).toBe('application/gzip');
      expect(stored?.metadata).toEqual({ batchid: 'impressions-0-0-9', rows: '10' });
    });

    it('keeps a zero-byte object as an empty body, and no metadata as {}', async () => {
      const key = `${root}empty.csv`;
      await store.put(key, new Uint8Array(0), 'text/csv');
      const stored = await store.get(key);
      expect(stored?.body).toBeInstanceOf(Uint8Array);
      expect(stored?.body.length).toBe(0);
      expect(stored?.contentType).toBe('text/csv');
      expect(stored?.metadata).toEqual({});
    });

    it(
      'round-trips an object larger than 1 MiB',
      async () => {
        const key = `${root}large.bin`;
        const body = binaryBytes(1024 * 1024 + 12_345, 11);
        await store.put(key, body, 'application/octet-stream');
        const stored = await store.get(key);
        expect(stored?.body.length).toBe(body.length);
        expect(sameBytes(stored?.body, body)).toBe(true);
      },
      SLOW_MS,
    );

    it('returns undefined for a key that was never put', async () => {
      await store.put(`${root}present`, binaryBytes(3), 'application/octet-stream');
      expect(await store.get(`${root}absent`)).toBeUndefined();
      expect(await store.get(`${root}presen`)).toBeUndefined();
    });

    it('replaces the object on a second put to the same key (a retry overwrites, never adds)', async () => {
      const key = `${root}staging/fact_click/dt=2026-11-26/clicks-1-10-19.csv`;
      await store.put(key, binaryBytes(100, 1), 'text/plain', { attempt: '1', first: 'only' });
      await store.put(key, binaryBytes(50, 2), 'text/csv', { attempt: '2' });
      const stored = await store.get(key);
      expect(sameBytes(stored?.body, binaryBytes(50, 2))).toBe(true);
      expect(stored?.contentType).toBe('text/csv');
      expect(stored?.metadata).toEqual({ attempt: '2' });
      expect(await store.list(root)).toEqual([key]);
    });

    it('lists only keys under the prefix, in ascending key order', async () => {
      const keys = [
        `${root}staging/fact_impression/dt=2026-11-27/b.ndjson`,
        `${root}staging/fact_impression/dt=2026-11-26/z.ndjson`,
        `${root}staging/fact_impression/dt=2026-11-26/a.ndjson`,
        `${root}staging/fact_click/dt=2026-11-26/a.csv`,
        `${root}other/dt=2026-11-26/a.ndjson`,
      ];
      for (const key of keys) await store.put(key, binaryBytes(8), 'text/plain');
      expect(await store.list(`${root}staging/fact_impression/dt=2026-11-26/`)).toEqual([
        `${root}staging/fact_impression/dt=2026-11-26/a.ndjson`,
        `${root}staging/fact_impression/dt=2026-11-26/z.ndjson`,
      ]);
      expect(await store.list(`${root}staging/`)).toEqual([
        `${root}staging/fact_click/dt=2026-11-26/a.csv`,
        `${root}staging/fact_impression/dt=2026-11-26/a.ndjson`,
        `${root}staging/fact_impression/dt=2026-11-26/z.ndjson`,
        `${root}staging/fact_impression/dt=2026-11-27/b.ndjson`,
      ]);
      expect(await store.list(`${root}nothing-here/`)).toEqual([]);
    });

    it('treats the prefix as a plain string prefix, not a folder', async () => {
      const keys = [`${root}dt=2026-11-26/x`, `${root}dt=2026-11-27/x`, `${root}dt=2026-12-01/x`];
      for (const key of keys) await store.put(key, binaryBytes(4), 'text/plain');
      expect(await store.list(`${root}dt=2026-11-2`)).toEqual(keys.slice(0, 2));
    });

    it('handles keys with "=", ".", "_" and "-" (partitioned staging keys)', async () => {
      const key = `${root}staging/fact_bid_request/dt=2026-11-26/hour=07/bid_requests.v2-3-100-199.avro`;
      await store.put(key, binaryBytes(16), 'application/avro', { table: 'fact_bid_request' });
      expect(await store.list(`${root}staging/fact_bid_request/dt=2026-11-26/hour=07/`)).toEqual([
        key,
      ]);
      expect(sameBytes((await store.get(key))?.body, binaryBytes(16))).toBe(true);
    });

    it('is not changed by mutating the input buffer after put', async () => {
      const key = `${root}mutated-input`;
      const body = binaryBytes(64);
      const original = Uint8Array.from(body);
      await store.put(key, body, 'application/octet-stream');
      body.fill(0x2a);
      expect(sameBytes((await store.get(key))?.body, original)).toBe(true);
    });

    it('is not changed by mutating a body returned from get', async () => {
      const key = `${root}mutated-output`;
      await store.put(key, binaryBytes(64), 'application/octet-stream');
      const first = await store.get(key);
      first?.body.fill(0x2a);
      expect(sameBytes((await store.get(key))?.body, binaryBytes(64))).toBe(true);
    });

    it(
      'lists every key, beyond one S3 page of 1,000',
      async () => {
        const prefix = `${root}many/`;
        const keys = Array.from(
          { length: 1_001 },
          (_, i) => `${prefix}${String(i).padStart(5, '0')}`,
        );
        for (let i = 0; i < keys.length; i += 50) {
          await Promise.all(
            keys.slice(i, i + 50).map((key) => store.put(key, new Uint8Array([1]), 'text/plain')),
          );
        }
        expect(await store.list(prefix)).toEqual(keys);
      },
      SLOW_MS * 2,
    );
  });
}
