import {
  processingErrorRejection,
  rejection,
  type DecodedPayload,
  type RejectionReason,
} from '../../domain';

/** A decoded payload that could not be read; path '' because the whole payload is at fault. */
export function unreadable(reason: RejectionReason, detail: string): DecodedPayload {
  return { ok: false, rejection: rejection(reason, '', detail) };
}

/** A stage threw on this record (a defect, not bad input): kept with the error, never fatal. */
export function processingError(stage: string, error: unknown): DecodedPayload {
  return { ok: false, rejection: processingErrorRejection(stage, error) };
}

export function decoded(value: unknown): DecodedPayload {
  return { ok: true, value };
}

/**
 * Kafka clients hand over Uint8Arrays or Buffers; avsc and the text decoders want a Buffer. A view
 * over the same memory, so no payload is ever copied just to be read.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
