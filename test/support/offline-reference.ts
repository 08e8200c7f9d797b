/**
 * The test oracle for dedupe and attribution: the rules of the README computed over the whole
 * input at once, with nothing but sort, filter and "pick the latest". It shares no code with the
 * deciders (no watermark, no index, no expiry, no pending queue); only the stateless validation of
 * single records is reused, since that is not what the streaming core can get wrong.
 *
 * Input: every topic-partition's records in offset order. The streaming pipeline must agree with
 * this however it cuts those sequences into batches and interleaves the topics, as long as each
 * topic-partition's accepted records stay within the allowed lateness of event-time order.
 */
import { eventKey, type AdEvent } from '../../domain/ad-event';
import type { Attribution, AttributionModel } from '../../domain/attribution-types';
import type { RejectionReason } from '../../domain/rejection';
import type { PipelineRules } from '../../domain/rules';
import type { SourceCoordinates, SourceRecord } from '../../domain/source-record';
import { validateRecord } from '../../domain/validate-record';

export interface ReferenceCredit {
  readonly model: AttributionModel;
  /** `impression:imp-1` or `click:clk-1`; absent when unattributed */
  readonly touch?: string;
}

export interface ReferenceOutcome {
  /** `topic/partition/offset` → the event accepted from it */
  readonly accepted: Map<string, AdEvent>;
  /** `topic/partition/offset` → `eventType:eventId` it repeated */
  readonly duplicates: Map<string, string>;
  /** `topic/partition/offset` → why it was rejected */
  readonly rejections: Map<string, RejectionReason>;
  /** creditKey(...) → the credit of every accepted click and conversion */
  readonly attributions: Map<string, ReferenceCredit>;
}

export const at = (s: SourceCoordinates): string => `${s.topic}/${s.partition}/${s.offset}`;

/** Ascending by event time, ties by id: the last one is "the latest". */
const byTimeThenId = (a: AdEvent, b: AdEvent): number =>
  a.eventTime - b.eventTime || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

const touchOf = (e: AdEvent): string => `${e.eventType}:${e.eventId}`;

/** partition, user and campaign: whose touches an event can be credited to */
const audienceOf = (e: AdEvent): string =>
  JSON.stringify([e.source.partition, e.userId, e.campaignId]);

type Touches = ReadonlyMap<string, readonly AdEvent[]>;

function byAudience(events: readonly AdEvent[]): Touches {
  const touches = new Map<string, AdEvent[]>();
  for (const e of events) {
    const list = touches.get(audienceOf(e));
    if (list) list.push(e);
    else touches.set(audienceOf(e), [e]);
  }
  return touches;
}

/** touches of the same partition, user and campaign with from <= time <= the event's own, sorted */
function touchesInWindow(event: AdEvent, touches: Touches, windowMs: number): AdEvent[] {
  return (touches.get(audienceOf(event)) ?? [])
    .filter((t) => t.eventTime <= event.eventTime && t.eventTime >= event.eventTime - windowMs)
    .sort(byTimeThenId);
}

function clickCredit(
  clickEvent: AdEvent,
  impressions: Touches,
  rules: PipelineRules,
): ReferenceCredit {
  const seen = touchesInWindow(clickEvent, impressions, rules.clickLookbackMs);
  const named = seen.filter((i) => i.eventId === clickEvent.impressionId);
  const namedLatest = named[named.length - 1];
  if (namedLatest) return { model: 'explicit', touch: touchOf(namedLatest) };
  const latest = seen[seen.length - 1];
  return latest ? { model: 'lookback', touch: touchOf(latest) } : { model: 'unattributed' };
}

function conversionCredit(
  conversion: AdEvent,
  clicks: Touches,
  impressions: Touches,
  rules: PipelineRules,
): ReferenceCredit {
  const inWindow = touchesInWindow(conversion, clicks, rules.conversionClickWindowMs);
  const click =
    rules.conversionModel === 'first_click' ? inWindow[0] : inWindow[inWindow.length - 1];
  if (click) return { model: rules.conversionModel, touch: touchOf(click) };
  if (rules.viewThroughWindowMs > 0) {
    const seen = touchesInWindow(conversion, impressions, rules.viewThroughWindowMs);
    const latest = seen[seen.length - 1];
    if (latest) return { model: 'view_through', touch: touchOf(latest) };
  }
  return { model: 'unattributed' };
}

/**
 * Per topic-partition, in offset order: a record is rejected when validation says so, or when it
 * is further behind the latest event time accepted before it on its topic-partition than the
 * lateness plus the dedupe retention; a duplicate when an earlier accepted record of that
 * topic-partition has its (eventType, eventId) and an event time within the retention of its own;
 * else accepted. Then every accepted click and conversion gets its credit from all accepted events
 * of its partition.
 */
export function referenceOutcome(
  topicPartitions: Iterable<readonly SourceRecord[]>,
  rules: PipelineRules,
  now: number,
  pseudonymizeUser?: (userId: string) => string,
): ReferenceOutcome {
  const out: ReferenceOutcome = {
    accepted: new Map(),
    duplicates: new Map(),
    rejections: new Map(),
    attributions: new Map(),
  };
  for (const records of topicPartitions) {
    let latest = Number.NEGATIVE_INFINITY;
    const acceptedTimes = new Map<string, number[]>();
    for (const record of records) {
      const validated = validateRecord(record, now, rules, pseudonymizeUser);
      if (!validated.ok) {
        out.rejections.set(at(record.source), validated.rejection.reason);
        continue;
      }
      const event = validated.event;
      if (event.eventTime < latest - rules.allowedLatenessMs - rules.dedupeRetentionMs) {
        out.rejections.set(at(record.source), 'late_beyond_retention');
        continue;
      }
      const times = acceptedTimes.get(eventKey(event)) ?? [];
      if (times.some((t) => Math.abs(t - event.eventTime) <= rules.dedupeRetentionMs)) {
        out.duplicates.set(at(record.source), eventKey(event));
        continue;
      }
      acceptedTimes.set(eventKey(event), [...times, event.eventTime]);
      latest = Math.max(latest, event.eventTime);
      out.accepted.set(at(record.source), event);
    }
  }

  const accepted = [...out.accepted.values()];
  const impressions = byAudience(accepted.filter((e) => e.eventType === 'impression'));
  const clicks = byAudience(accepted.filter((e) => e.eventType === 'click'));
  for (const event of accepted) {
    if (event.eventType === 'click')
      out.attributions.set(creditKeyOf(event), clickCredit(event, impressions, rules));
    if (event.eventType === 'conversion')
      out.attributions.set(creditKeyOf(event), conversionCredit(event, clicks, impressions, rules));
  }
  return out;
}

/**
 * `partition/eventType:eventId@eventTime`: how attributions are keyed, here and in the streaming
 * result (with the time, since an id may be accepted again once the retention has passed)
 */
export const creditKey = (
  partition: number,
  eventType: string,
  eventId: string,
  eventTime: number,
): string => `${partition}/${eventType}:${eventId}@${eventTime}`;

const creditKeyOf = (e: AdEvent): string =>
  creditKey(e.source.partition, e.eventType, e.eventId, e.eventTime);

/** A streaming attribution in the reference's terms. */
export function asReferenceCredit(a: Attribution): ReferenceCredit {
  return a.touch
    ? { model: a.model, touch: `${a.touch.eventType}:${a.touch.eventId}` }
    : { model: a.model };
}

/** `model` or `model touchType:touchId`: a credit as one comparable string */
export const creditText = (
  model: string,
  touch?: { eventType: string; eventId: string },
): string => (touch ? `${model} ${touch.eventType}:${touch.eventId}` : model);

/**
 * The reference's credits by `eventType:eventId`, for comparing with a warehouse, whose
 * attribution rows are keyed that way (the simulator never uses an id twice).
 */
export function referenceCreditsById(reference: ReferenceOutcome): Map<string, string> {
  return new Map(
    [...reference.attributions].map(([key, credit]) => [
      key.slice(key.indexOf('/') + 1, key.lastIndexOf('@')),
      credit.touch ? `${credit.model} ${credit.touch}` : credit.model,
    ]),
  );
}
