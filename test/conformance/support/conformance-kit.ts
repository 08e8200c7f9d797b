/**
 * Helpers shared by the port conformance suites. Everything here is adapter-agnostic: names are
 * unique per test so the suites can run against shared real servers, and nothing depends on timing
 * except grace periods that can only make a test pass too easily, never fail spuriously.
 */
import { randomBytes } from 'node:crypto';
import type { AdEvent, EventType } from '../../../domain';

/** Per-test timeout: real adapters talk to servers, so be generous. */
export const SLOW_MS = 5 * 60_000;

/** `base-<8 hex>`: a name no other test (or earlier run against the same server) uses. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets a misbehaving adapter show itself (deliver too early, resolve too early). */
export function gracePeriod(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** true when the promise has already settled (checked after pending I/O callbacks ran). */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  const pending = new Promise<boolean>((resolve) => setImmediate(() => resolve(false)));
  return Promise.race([settled, pending]);
}

/** Bytes that break any text round trip: NUL, invalid UTF-8, every byte value. */
export function binaryBytes(length: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) % 256;
  if (length > 1) bytes[0] = 0x00;
  if (length > 2) bytes[1] = 0xff;
  return bytes;
}

export function sameBytes(actual: Uint8Array | null | undefined, expected: Uint8Array): boolean {
  return actual != null && Buffer.from(actual).equals(Buffer.from(expected));
}

/** A normalized ad event built by hand; ids and campaigns should come from uniqueName. */
export function adEvent(
  eventType: EventType,
  eventId: string,
  eventTime: number,
  overrides: Partial<AdEvent> = {},
): AdEvent {
  return {
    eventId,
    eventType,
    eventTime,
    userId: 'a'.repeat(64),
    campaignId: 'campaign',
    source: {
      topic: eventType === 'bid_request' ? 'bid_requests' : 'impressions',
      partition: 0,
      offset: '0',
      format: eventType === 'bid_request' ? 'avro' : 'json',
    },
    ...overrides,
  };
}
