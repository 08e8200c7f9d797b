import type { Type } from 'avsc';
import type { Message } from 'kafkajs';
import type { AdEvent } from '../../domain';
import type { DeadLetter } from '../../ports';
import { HEADER_BYTES, writeConfluentAvro } from '../codecs/confluent-avro';
import { deadLetterEnvelope } from '../dead-letter/envelope';
import { adEventBody, adEventValue } from './ad-event-record';

/** registry id and compiled type of the ad-event contract version written */
export interface AdEventSchema {
  readonly id: number;
  readonly type: Type;
}

/** ad_events messages: Avro in Confluent framing, keyed by the pseudonymized user. */
export function adEventMessages(schema: AdEventSchema, events: readonly AdEvent[]): Message[] {
  return events.map((e) => ({ key: e.userId, value: adEventValue(schema.id, schema.type, e) }));
}

/** The dead-letter messages: JSON envelopes keyed like the original record, the reason in headers too. */
export function deadLetterMessages(
  letters: readonly DeadLetter[],
  failedAt: number,
  processorVersion: string,
): Message[] {
  return letters.map((letter) => {
    const envelope = deadLetterEnvelope(letter, failedAt, processorVersion);
    return {
      key: letter.record.key ? Buffer.from(letter.record.key) : null,
      value: JSON.stringify(envelope),
      headers: {
        'adx-reason': envelope.reason,
        'adx-path': envelope.path,
        'adx-source': `${envelope.source.topic}/${envelope.source.partition}/${envelope.source.offset}`,
      },
    };
  });
}

/**
 * ad_events messages as a worker thread receives them without a copy: every framed value back to
 * back in one buffer of its own (transferable), where each ends, and the keys.
 */
export interface PackedMessages {
  readonly keys: readonly string[];
  readonly values: Uint8Array;
  readonly ends: Uint32Array;
}

export function packAdEvents(schema: AdEventSchema, events: readonly AdEvent[]): PackedMessages {
  const body = adEventBody(schema.type);
  const bodies: Buffer[] = new Array<Buffer>(events.length);
  const keys: string[] = new Array<string>(events.length);
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as AdEvent;
    const b = body(e);
    bodies[i] = b;
    keys[i] = e.userId;
    total += HEADER_BYTES + b.length;
  }
  // not from Buffer's shared pool: the whole ArrayBuffer is handed to the thread
  const values = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(events.length);
  let at = 0;
  for (let i = 0; i < bodies.length; i++) {
    at = writeConfluentAvro(values, at, schema.id, bodies[i] as Buffer);
    ends[i] = at;
  }
  return { keys, values, ends };
}

/** What packAdEvents packed, as kafkajs messages whose values share the packed buffer. */
export function unpackMessages(packed: PackedMessages): Message[] {
  const { keys, values, ends } = packed;
  const all = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const messages: Message[] = new Array<Message>(keys.length);
  let from = 0;
  for (let i = 0; i < keys.length; i++) {
    const to = ends[i] as number;
    messages[i] = { key: keys[i] as string, value: all.subarray(from, to) };
    from = to;
  }
  return messages;
}

/**
 * Messages after a structured clone (another thread): Buffers arrive as plain Uint8Arrays, which
 * kafkajs does not take as keys or values.
 */
export function messagesFromClone(messages: readonly Message[]): Message[] {
  const buffer = (v: unknown): unknown =>
    v instanceof Uint8Array && !Buffer.isBuffer(v)
      ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      : v;
  return messages.map((m) => ({
    ...m,
    key: buffer(m.key) as Message['key'],
    value: buffer(m.value) as Message['value'],
  }));
}
