import { HEADER_BYTES } from '../../adapters/codecs/confluent-avro';
import { DAY_MS, REJECTION_REASONS, type RejectionReason } from '../../domain';
import type { EventFactory, IdSource } from './funnel';
import type { Random } from './prng';
import type { SimulatedRecord, SimulatedTopic } from './simulated-record';
import { bidRequestRecord, clickFields, impressionDocument, type Wire } from './wire';
import type { User, World } from './world';

/** A topic-partition that has carried valid records, and the latest event time among them. */
export interface PartitionMark {
  readonly topic: SimulatedTopic;
  readonly partition: number;
  readonly maxEventTime: number;
  /** a user whose records land in this partition */
  readonly key: string;
}

export interface MalformedContext {
  readonly random: Random;
  readonly world: World;
  readonly wire: Wire;
  readonly factory: EventFactory;
  /** malformed records use their own id prefixes (bad-…), so they never collide with valid ids */
  readonly ids: IdSource;
  readonly now: number;
  readonly maxRecordBytes: number;
  readonly unregisteredSchemaId: number;
  readonly marks: readonly PartitionMark[];
}

type Variant = (ctx: MalformedContext, user: User) => SimulatedRecord;

/**
 * A "far future" that stays in the future for any plausible processing clock: a device whose
 * clock is off by decades. (Relative skews like now + 2 days would turn valid when a run replays
 * old traffic.)
 */
const FAR_FUTURE = Date.UTC(2099, 0, 1);

function impression(ctx: MalformedContext, user: User, time = ctx.now): Record<string, unknown> {
  const e = ctx.factory.directImpression(ctx.ids.next('bad-imp'), time, user);
  return impressionDocument(e, ctx.wire.version(), ctx.random);
}

function clickRow(ctx: MalformedContext, user: User, time = ctx.now): string[] {
  const e = ctx.factory.directImpression(ctx.ids.next('bad-imp'), time, user);
  const click = ctx.factory.clickOn(e, ctx.ids.next('bad-clk'), time);
  return clickFields(click, ctx.wire.version(), ctx.random);
}

function conversionRow(ctx: MalformedContext, user: User, time = ctx.now): string[] {
  const e = ctx.factory.directImpression(ctx.ids.next('bad-imp'), time, user);
  const conversion = ctx.factory.conversionAfter(e, ctx.ids.next('bad-cnv'), time);
  return clickFields(conversion, ctx.wire.version(), ctx.random);
}

function bid(
  ctx: MalformedContext,
  user: User,
  time = ctx.now,
): { version: 1 | 2; record: Record<string, unknown> } {
  const version = ctx.wire.version();
  return {
    version,
    record: bidRequestRecord(ctx.factory.auction(ctx.ids.next('bad-br'), time, user), version),
  };
}

const withField = (
  doc: Record<string, unknown>,
  field: string,
  value: unknown,
): Record<string, unknown> => ({
  ...doc,
  [field]: value,
});

function without(doc: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...doc };
  delete copy[field];
  return copy;
}

function replaced(fields: string[], index: number, value: string): string[] {
  const copy = [...fields];
  copy[index] = value;
  return copy;
}

function avroBytes(ctx: MalformedContext, user: User): Buffer {
  const { version, record } = bid(ctx, user);
  return ctx.wire.avro(user.id, version, record).value;
}

const raw = (topic: SimulatedTopic, key: string, value: Buffer): SimulatedRecord => ({
  topic,
  key,
  value,
});

// CSV column positions (contracts/clicks)
const EVENT_TYPE = 0;
const EVENT_ID = 1;
const TIMESTAMP = 2;
const USER_ID = 3;
const CAMPAIGN_ID = 4;
const REVENUE = 8;
const AD_ID = 5;
/** impressionDocument writes impression_id first: `{"impression_id":"` is 18 bytes */
const JSON_FIRST_ID_CHAR = 18;

/**
 * The reasons honest traffic can earn. processing_error is not one: it marks a defect of the
 * pipeline met by some input, and the simulator models bad producers, not bugs.
 */
export const SIMULATED_REASONS = REJECTION_REASONS.filter((r) => r !== 'processing_error');
export type SimulatedReason = Exclude<RejectionReason, 'processing_error'>;

/** Every variant is built to fail with exactly its reason, on the first check that fails. */
const VARIANTS: Record<Exclude<SimulatedReason, 'late_beyond_retention'>, readonly Variant[]> = {
  missing_field: [
    (ctx, u) => ctx.wire.json(u.id, without(impression(ctx, u), 'win_price_micros')),
    (ctx, u) => ctx.wire.json(u.id, without(impression(ctx, u), 'user_id')),
    (ctx, u) => ctx.wire.csv(u.id, replaced(clickRow(ctx, u), USER_ID, '')),
    (ctx, u) => ctx.wire.csv(u.id, replaced(clickRow(ctx, u), EVENT_ID, '')),
    (ctx, u) => ctx.wire.csv(u.id, replaced(conversionRow(ctx, u), CAMPAIGN_ID, '')),
  ],
  invalid_type: [
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'win_price_micros', '1500')),
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'timestamp', true)),
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'user_id', 12345)),
    (ctx, u) => ctx.wire.json(u.id, Object.values(impression(ctx, u))),
    (_ctx, u) => raw('impressions', u.id, Buffer.from('null')),
  ],
  invalid_value: [
    (ctx, u) => {
      // a Latin-1 producer: 0xE9 ("é") starts a 3-byte UTF-8 sequence that never continues, so
      // impression_id is not UTF-8 (invalid_value at its path, as in every format)
      const bytes = Buffer.from(ctx.wire.json(u.id, impression(ctx, u)).value);
      bytes[JSON_FIRST_ID_CHAR] = 0xe9;
      return raw('impressions', u.id, bytes);
    },
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'country', 'usa')),
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'win_price_micros', -250)),
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'user_id', `${u.id}\u0007`)),
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'device_type', 'smartwatch')),
    // epoch microseconds where milliseconds belong: lands after 2100
    (ctx, u) => ctx.wire.json(u.id, withField(impression(ctx, u), 'timestamp', ctx.now * 1000)),
    (ctx, u) => ctx.wire.csv(u.id, replaced(clickRow(ctx, u), EVENT_TYPE, 'view')),
    (ctx, u) => ctx.wire.csv(u.id, replaced(conversionRow(ctx, u), REVENUE, '-12.00')),
    (ctx, u) => ctx.wire.csv(u.id, replaced(clickRow(ctx, u), EVENT_ID, 'clk-\u0001-evil')),
    // no zone: ambiguous local time
    (ctx, u) => ctx.wire.csv(u.id, replaced(clickRow(ctx, u), TIMESTAMP, '2024-05-01 12:00:00')),
    (ctx, u) => {
      const { version, record } = bid(ctx, u);
      return ctx.wire.avro(u.id, version, { ...record, bid_floor_micros: -1_500 });
    },
    (ctx, u) => {
      const { version, record } = bid(ctx, u);
      return ctx.wire.avro(u.id, version, { ...record, country: 'zz' });
    },
    (ctx, u) => {
      const { version, record } = bid(ctx, u, FAR_FUTURE + ctx.random.below(DAY_MS));
      return ctx.wire.avro(u.id, version, record);
    },
  ],
  corrupt_payload: [
    (ctx, u) => {
      const whole = ctx.wire.json(u.id, impression(ctx, u)).value;
      return raw('impressions', u.id, whole.subarray(0, ctx.random.between(1, whole.length - 1)));
    },
    (ctx, u) => ctx.wire.csv(u.id, clickRow(ctx, u).slice(0, 7)),
    (ctx, u) => ctx.wire.csv(u.id, [...clickRow(ctx, u), 'extra']),
    // a quote opened and never closed: it swallows the rest of the line
    (ctx, u) =>
      raw(
        'clicks',
        u.id,
        Buffer.from(`click,"${ctx.ids.next('bad-clk')},${ctx.now},${u.id},cmp-001`),
      ),
    (ctx, u) => {
      const line = ctx.wire.csv(u.id, clickRow(ctx, u)).value;
      return raw('clicks', u.id, Buffer.concat([line, Buffer.from('\n'), line]));
    },
    (ctx, u) => {
      const whole = avroBytes(ctx, u);
      return raw(
        'bid_requests',
        u.id,
        whole.subarray(0, ctx.random.between(HEADER_BYTES, whole.length - 1)),
      );
    },
    (ctx, u) => {
      const bytes = Buffer.from(avroBytes(ctx, u));
      bytes[0] = 1;
      return raw('bid_requests', u.id, bytes);
    },
    (ctx, u) =>
      raw('bid_requests', u.id, Buffer.concat([avroBytes(ctx, u), Buffer.from([0x02, 0x7f])])),
    (_ctx, u) => raw('bid_requests', u.id, Buffer.from([0, 0, 0])),
  ],
  unknown_schema: [
    (ctx, u) => {
      const { version, record } = bid(ctx, u);
      return ctx.wire.avro(u.id, version, record, ctx.unregisteredSchemaId);
    },
  ],
  too_large: [
    (ctx, u) =>
      ctx.wire.json(u.id, withField(impression(ctx, u), 'debug', 'x'.repeat(ctx.maxRecordBytes))),
    (ctx, u) =>
      ctx.wire.csv(u.id, replaced(clickRow(ctx, u), AD_ID, 'a'.repeat(ctx.maxRecordBytes))),
    (ctx, u) => {
      const { record } = bid(ctx, u);
      return ctx.wire.avro(u.id, 2, {
        ...record,
        win_price_micros: null,
        deal_id: 'd'.repeat(ctx.maxRecordBytes),
      });
    },
  ],
};

/**
 * Valid in every other way, but older than the dedupe retention horizon of its partition. The
 * horizon is (max event time of the partition) − lateness − retention; aiming 8–9 days behind the
 * latest valid record of the same topic-partition clears it by almost a day, however the consumer
 * interleaves topics (that record is always processed first).
 */
function beyondRetention(ctx: MalformedContext, mark: PartitionMark): SimulatedRecord {
  const time = mark.maxEventTime - 8 * DAY_MS - ctx.random.below(DAY_MS);
  const user: User = { ...ctx.world.randomUser(ctx.random), id: mark.key };
  switch (mark.topic) {
    case 'impressions':
      return ctx.wire.json(mark.key, impression(ctx, user, time));
    case 'clicks':
      return ctx.wire.csv(mark.key, clickRow(ctx, user, time));
    case 'bid_requests': {
      const { version, record } = bid(ctx, user, time);
      return ctx.wire.avro(mark.key, version, record);
    }
  }
}

/** One record that the pipeline must reject with `reason`. */
export function malformedRecord(ctx: MalformedContext, reason: SimulatedReason): SimulatedRecord {
  if (reason === 'late_beyond_retention') {
    const mark = ctx.random.pick(ctx.marks);
    return beyondRetention(ctx, mark);
  }
  const user = ctx.world.randomUser(ctx.random);
  return ctx.random.pick(VARIANTS[reason])(ctx, user);
}
