import type { DeadLetter } from '../../ports';

/** contracts/dead-letter/dead-letter.v2.schema.json (the layout of v1, one more reason) */
export interface DeadLetterEnvelope {
  readonly schema: 'adx.dead_letter/1';
  readonly reason: string;
  readonly path: string;
  readonly detail: string;
  readonly source: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly format: string;
    readonly schemaId?: number;
    readonly timestamp: string;
  };
  readonly payload: {
    readonly base64: string;
    readonly bytes: number;
    readonly truncated: boolean;
  };
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly failedAt: string;
  readonly processor: { readonly name: string; readonly version: string };
}

/** Payloads above this are kept only in part: the dead-letter topic must not refuse the record. */
export const MAX_DEAD_LETTER_PAYLOAD = 256 * 1024;

export function deadLetterEnvelope(
  letter: DeadLetter,
  failedAt: number,
  processorVersion: string,
): DeadLetterEnvelope {
  const value = letter.record.value ?? new Uint8Array();
  const kept =
    value.length > MAX_DEAD_LETTER_PAYLOAD ? value.subarray(0, MAX_DEAD_LETTER_PAYLOAD) : value;
  return {
    schema: 'adx.dead_letter/1',
    reason: letter.rejection.reason,
    path: letter.rejection.path,
    detail: letter.rejection.detail,
    source: {
      topic: letter.record.topic,
      partition: letter.record.partition,
      offset: letter.record.offset,
      format: letter.format,
      ...(letter.schemaId !== undefined ? { schemaId: letter.schemaId } : {}),
      timestamp: letter.record.timestamp,
    },
    payload: {
      base64: Buffer.from(kept).toString('base64'),
      bytes: value.length,
      truncated: kept.length < value.length,
    },
    key: letter.record.key ? Buffer.from(letter.record.key).toString('utf8') : null,
    headers: letter.record.headers,
    failedAt: new Date(failedAt).toISOString(),
    processor: { name: 'advertisex-pipeline', version: processorVersion },
  };
}
