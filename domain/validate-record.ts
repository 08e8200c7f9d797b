import type { z } from 'zod';
import type { AdEvent } from './ad-event';
import { parseEventTime } from './event-time';
import { processingErrorRejection, rejection, type Rejection } from './rejection';
import type { PipelineRules } from './rules';
import type { SourceRecord } from './source-record';
import { illFormedText } from './text';
import { bidRequestSchema, bidRequestToAdEvent } from './sources/bid-request';
import { clickColumnsToObject, clickRowSchema, clickRowToAdEvent } from './sources/click-row';
import { impressionSchema, impressionToAdEvent } from './sources/impression';

export type Validated =
  | {
      readonly ok: true;
      readonly event: AdEvent;
      /**
       * clicks and conversions: the same user's pseudonyms under older keys, which attribution
       * looks up too (touches made before a key rotation); never stored with the event itself
       */
      readonly userAliases?: readonly string[];
    }
  | { readonly ok: false; readonly rejection: Rejection };

function fail(r: Rejection): Validated {
  return { ok: false, rejection: r };
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cursor = input;
  for (const key of path) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[key];
  }
  return cursor;
}

/** The first zod issue as a typed rejection: absent → missing_field, wrong JS type → invalid_type, else invalid_value. */
export function rejectionFromIssues(input: unknown, error: z.ZodError): Rejection {
  const issue = error.issues[0];
  if (!issue) return rejection('invalid_value', '', 'rejected by schema');
  const path = issue.path.map(String).join('.');
  if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
    return rejection('missing_field', path, `${path} is required`);
  }
  const actual = valueAt(input, issue.path);
  // an enum given a number or null is a wrong type, not a wrong value of the right type
  const wrongEnumType =
    issue.code === 'invalid_value' &&
    issue.values.every((v) => v === null || typeof v !== typeof actual);
  // a union (string or epoch ms) given a string or number failed on its value, not its type
  const wrongUnionType =
    issue.code === 'invalid_union' && typeof actual !== 'string' && typeof actual !== 'number';
  const reason =
    issue.code === 'invalid_type' || wrongUnionType || wrongEnumType
      ? 'invalid_type'
      : 'invalid_value';
  return rejection(reason, path, issue.message);
}

function checkTime(raw: string | number, now: number, rules: PipelineRules): number | Rejection {
  const eventTime = parseEventTime(raw);
  if (eventTime === undefined) {
    return rejection(
      'invalid_value',
      'timestamp',
      'timestamp is not ISO-8601 with a zone or epoch ms in 2000..2100',
    );
  }
  if (eventTime > now + rules.maxFutureSkewMs) {
    return rejection(
      'invalid_value',
      'timestamp',
      `timestamp is ${eventTime - now} ms in the future`,
    );
  }
  return eventTime;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Stateless checks of one source record: size, decodability, schema, text, time; then
 * normalization. Stateful checks (lateness against the watermark, duplicates) belong to the
 * deciders. A check or the pseudonymizer that throws makes the record a processing_error
 * rejection: one record the code was not ready for must not stop its partition.
 */
export function validateRecord(
  record: SourceRecord,
  now: number,
  rules: PipelineRules,
  pseudonymizeUser?: (userId: string) => string,
  previousPseudonyms?: (userId: string) => readonly string[],
): Validated {
  try {
    return validateUnguarded(record, now, rules, pseudonymizeUser, previousPseudonyms);
  } catch (error) {
    return fail(processingErrorRejection('validation', error));
  }
}

function validateUnguarded(
  record: SourceRecord,
  now: number,
  rules: PipelineRules,
  pseudonymizeUser?: (userId: string) => string,
  previousPseudonyms?: (userId: string) => readonly string[],
): Validated {
  const userOf = (raw: string): string => (pseudonymizeUser ? pseudonymizeUser(raw) : raw);
  if (record.sizeBytes > rules.maxRecordBytes) {
    return fail(
      rejection(
        'too_large',
        '',
        `${record.sizeBytes} bytes exceeds the limit of ${rules.maxRecordBytes}`,
      ),
    );
  }
  if (!record.payload.ok) return fail(record.payload.rejection);
  const value = record.payload.value;

  switch (record.kind) {
    case 'impression': {
      if (!isPlainObject(value))
        return fail(rejection('invalid_type', '', 'an impression must be a JSON object'));
      const badText = illFormedText(value);
      if (badText) return fail(badText);
      const parsed = impressionSchema.safeParse(value);
      if (!parsed.success) return fail(rejectionFromIssues(value, parsed.error));
      const time = checkTime(parsed.data.timestamp, now, rules);
      if (typeof time !== 'number') return fail(time);
      return {
        ok: true,
        event: impressionToAdEvent(parsed.data, time, record.source, userOf(parsed.data.user_id)),
      };
    }
    case 'click_or_conversion': {
      if (!Array.isArray(value))
        return fail(rejection('invalid_type', '', 'a click row must be CSV fields'));
      const row = clickColumnsToObject(value as string[]);
      if (!row) {
        return fail(
          rejection(
            'corrupt_payload',
            '',
            `CSV row has ${value.length} columns; known versions have 9 or 11`,
          ),
        );
      }
      const badText = illFormedText(row);
      if (badText) return fail(badText);
      const parsed = clickRowSchema.safeParse(row);
      if (!parsed.success) return fail(rejectionFromIssues(row, parsed.error));
      const time = checkTime(parsed.data.timestamp, now, rules);
      if (typeof time !== 'number') return fail(time);
      const aliases = previousPseudonyms?.(parsed.data.user_id) ?? [];
      return {
        ok: true,
        event: clickRowToAdEvent(parsed.data, time, record.source, userOf(parsed.data.user_id)),
        ...(aliases.length > 0 ? { userAliases: aliases } : {}),
      };
    }
    case 'bid_request': {
      if (!isPlainObject(value))
        return fail(rejection('invalid_type', '', 'a bid request must be an Avro record'));
      const badText = illFormedText(value);
      if (badText) return fail(badText);
      const parsed = bidRequestSchema.safeParse(value);
      if (!parsed.success) return fail(rejectionFromIssues(value, parsed.error));
      const time = checkTime(parsed.data.timestamp, now, rules);
      if (typeof time !== 'number') return fail(time);
      return {
        ok: true,
        event: bidRequestToAdEvent(parsed.data, time, record.source, userOf(parsed.data.user_id)),
      };
    }
  }
}

/**
 * The encoder one later stage (staging, the ad_events topic, the warehouse's stage rows) applies to
 * each accepted event, injected as a pure function like the pseudonymizer: `encode` either returns
 * (what it returns is ignored) or throws on an event that stage could not write.
 */
export interface StageEncoding {
  /** named in the rejection's detail, so the dead letter says which stage could not take it */
  readonly stage: string;
  readonly encode: (event: AdEvent) => unknown;
}

/**
 * An accepted event that some later stage's encoder throws on, as a processing_error rejection
 * naming the stage and the error; undefined when every stage can encode it. Checked before the
 * event changes state, so the record is dead-lettered instead of failing its whole batch in that
 * stage on every retry (and again after every restart): a poison pill, not an outage.
 */
export function vetAcceptedEvent(
  event: AdEvent,
  encodings: readonly StageEncoding[],
): Rejection | undefined {
  for (const { stage, encode } of encodings) {
    try {
      encode(event);
    } catch (error) {
      return processingErrorRejection(stage, error);
    }
  }
  return undefined;
}
