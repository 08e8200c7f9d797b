import { Type, type Schema } from 'avsc';
import type {
  AdEvent,
  Attribution,
  DomainEvent,
  EventType,
  PartitionSnapshotChunk,
  PendingAttribution,
} from '../../domain';

/**
 * The state store's storage format: a unit of work's state-changing domain events, and snapshot
 * chunks, in Avro (binary, compact, and versioned by its schema: avsc is already the project's
 * Avro library). An accepted event keeps what the deciders fold (type, id, time, user, campaign,
 * the impression a click names, its source coordinates); money, device and the like are the
 * warehouse's, not the state's.
 */
const source = {
  type: 'record',
  name: 'Source',
  fields: [
    { name: 'topic', type: 'string' },
    { name: 'partition', type: 'int' },
    { name: 'offset', type: 'string' },
    { name: 'format', type: { type: 'enum', name: 'Format', symbols: ['json', 'csv', 'avro'] } },
    { name: 'schemaId', type: ['null', 'int'], default: null },
  ],
} as const;

const eventTypeEnum = {
  type: 'enum',
  name: 'EventType',
  symbols: ['impression', 'click', 'conversion', 'bid_request'],
} as const;

const attribution = {
  type: 'record',
  name: 'Attribution',
  fields: [
    { name: 'partition', type: 'int' },
    { name: 'eventType', type: 'EventType' },
    { name: 'eventId', type: 'string' },
    { name: 'eventTime', type: 'long' },
    { name: 'userId', type: 'string' },
    { name: 'campaignId', type: 'string' },
    {
      name: 'model',
      type: {
        type: 'enum',
        name: 'Model',
        symbols: [
          'explicit',
          'lookback',
          'last_click',
          'first_click',
          'view_through',
          'unattributed',
        ],
      },
    },
    {
      name: 'touch',
      type: [
        'null',
        {
          type: 'record',
          name: 'Touch',
          fields: [
            { name: 'eventType', type: 'EventType' },
            { name: 'eventId', type: 'string' },
            { name: 'eventTime', type: 'long' },
          ],
        },
      ],
      default: null,
    },
    { name: 'late', type: 'boolean' },
  ],
} as const;

const eventsSchema = {
  type: 'array',
  items: [
    {
      type: 'record',
      name: 'EventAccepted',
      fields: [
        { name: 'eventType', type: eventTypeEnum },
        { name: 'eventId', type: 'string' },
        { name: 'eventTime', type: 'long' },
        { name: 'userId', type: 'string' },
        { name: 'campaignId', type: 'string' },
        { name: 'impressionId', type: ['null', 'string'], default: null },
        { name: 'source', type: source },
        { name: 'userAliases', type: { type: 'array', items: 'string' }, default: [] },
      ],
    },
    {
      type: 'record',
      name: 'ClickAttributed',
      fields: [{ name: 'attribution', type: attribution }],
    },
    {
      type: 'record',
      name: 'ConversionAttributed',
      fields: [{ name: 'attribution', type: 'Attribution' }],
    },
    {
      type: 'record',
      name: 'InputIdle',
      fields: [
        { name: 'partition', type: 'int' },
        { name: 'topic', type: 'string' },
      ],
    },
  ],
};

const pending = {
  type: 'record',
  name: 'Pending',
  fields: [
    {
      name: 'eventType',
      type: { type: 'enum', name: 'Waiting', symbols: ['click', 'conversion'] },
    },
    { name: 'id', type: 'string' },
    { name: 'time', type: 'long' },
    { name: 'userId', type: 'string' },
    { name: 'campaignId', type: 'string' },
    { name: 'impressionId', type: ['null', 'string'], default: null },
    { name: 'late', type: 'boolean' },
    { name: 'userAliases', type: { type: 'array', items: 'string' }, default: [] },
  ],
};

const chunkSchema = {
  type: 'record',
  name: 'SnapshotChunk',
  fields: [
    {
      name: 'head',
      type: [
        'null',
        {
          type: 'record',
          name: 'Head',
          fields: [
            {
              name: 'clock',
              type: {
                type: 'record',
                name: 'Clock',
                fields: [
                  {
                    name: 'inputs',
                    type: {
                      type: 'array',
                      items: {
                        type: 'record',
                        name: 'Input',
                        fields: [
                          { name: 'topic', type: 'string' },
                          // double: the "none yet" sentinel is below avsc's long range
                          { name: 'maxEventTime', type: 'double' },
                          { name: 'idle', type: 'boolean' },
                        ],
                      },
                    },
                  },
                  { name: 'watermark', type: 'double' },
                ],
              },
            },
            { name: 'dedupeExpiredThroughBucket', type: 'double' },
            { name: 'touchesExpiredThroughBucket', type: 'double' },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'keys',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Key',
          fields: [
            { name: 'eventType', type: eventTypeEnum },
            { name: 'eventId', type: 'string' },
            { name: 'times', type: { type: 'array', items: 'long' } },
          ],
        },
      },
    },
    {
      name: 'touches',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'StoredTouch',
          fields: [
            {
              name: 'kind',
              type: { type: 'enum', name: 'TouchKind', symbols: ['impression', 'click'] },
            },
            { name: 'audience', type: 'string' },
            { name: 'id', type: 'string' },
            { name: 'time', type: 'long' },
          ],
        },
      },
    },
    { name: 'pending', type: { type: 'array', items: pending } },
  ],
};

// wrapped unions: each branch is an object keyed by its record name, so a union member is never
// guessed from its shape
const eventsType = Type.forSchema(eventsSchema as Schema, { wrapUnions: true });
const chunkType = Type.forSchema(chunkSchema as Schema, { wrapUnions: false });

type Wrapped =
  | { EventAccepted: AcceptedRecord }
  | { ClickAttributed: { attribution: AttributionRecord } }
  | { ConversionAttributed: { attribution: AttributionRecord } }
  | { InputIdle: { partition: number; topic: string } };

interface AcceptedRecord {
  eventType: EventType;
  eventId: string;
  eventTime: number;
  userId: string;
  campaignId: string;
  impressionId: { string: string } | null;
  source: {
    topic: string;
    partition: number;
    offset: string;
    format: AdEvent['source']['format'];
    schemaId: { int: number } | null;
  };
  userAliases: readonly string[];
}

type AttributionRecord = Omit<Attribution, 'touch'> & {
  touch: { Touch: NonNullable<Attribution['touch']> } | null;
};

const toRecord = (a: Attribution): AttributionRecord => ({
  ...a,
  touch: a.touch ? { Touch: a.touch } : null,
});

const fromRecord = (r: AttributionRecord): Attribution => {
  const { touch, ...rest } = r;
  return touch ? { ...rest, touch: touch.Touch } : rest;
};

/** The events that change a group's state, encoded; the others (rejections, duplicates) are skipped. */
export function encodeStateEvents(events: readonly DomainEvent[]): Buffer {
  const wrapped: Wrapped[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'EventAccepted': {
        const {
          eventType,
          eventId,
          eventTime,
          userId,
          campaignId,
          impressionId,
          source: s,
        } = e.event;
        wrapped.push({
          EventAccepted: {
            eventType,
            eventId,
            eventTime,
            userId,
            campaignId,
            impressionId: impressionId !== undefined ? { string: impressionId } : null,
            source: {
              topic: s.topic,
              partition: s.partition,
              offset: s.offset,
              format: s.format,
              schemaId: s.schemaId !== undefined ? { int: s.schemaId } : null,
            },
            userAliases: e.userAliases ?? [],
          },
        });
        break;
      }
      case 'ClickAttributed':
        wrapped.push({ ClickAttributed: { attribution: toRecord(e.attribution) } });
        break;
      case 'ConversionAttributed':
        wrapped.push({ ConversionAttributed: { attribution: toRecord(e.attribution) } });
        break;
      case 'InputIdle':
        wrapped.push({ InputIdle: { partition: e.partition, topic: e.topic } });
        break;
      case 'DuplicateDropped':
      case 'RecordRejected':
        break;
    }
  }
  return eventsType.toBuffer(wrapped);
}

export function decodeStateEvents(body: Uint8Array): DomainEvent[] {
  const wrapped = eventsType.fromBuffer(
    Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  ) as Wrapped[];
  return wrapped.map((w): DomainEvent => {
    if ('EventAccepted' in w) {
      const r = w.EventAccepted;
      const event: AdEvent = {
        eventId: r.eventId,
        eventType: r.eventType,
        eventTime: r.eventTime,
        userId: r.userId,
        campaignId: r.campaignId,
        ...(r.impressionId ? { impressionId: r.impressionId.string } : {}),
        source: {
          topic: r.source.topic,
          partition: r.source.partition,
          offset: r.source.offset,
          format: r.source.format,
          ...(r.source.schemaId ? { schemaId: r.source.schemaId.int } : {}),
        },
      };
      return r.userAliases.length > 0
        ? { type: 'EventAccepted', event, userAliases: r.userAliases }
        : { type: 'EventAccepted', event };
    }
    if ('ClickAttributed' in w)
      return { type: 'ClickAttributed', attribution: fromRecord(w.ClickAttributed.attribution) };
    if ('ConversionAttributed' in w)
      return {
        type: 'ConversionAttributed',
        attribution: fromRecord(w.ConversionAttributed.attribution),
      };
    return { type: 'InputIdle', partition: w.InputIdle.partition, topic: w.InputIdle.topic };
  });
}

type PendingRecord = Omit<PendingAttribution, 'impressionId' | 'userAliases'> & {
  impressionId: string | null;
  userAliases: readonly string[];
};

export function encodeSnapshotChunk(chunk: PartitionSnapshotChunk): Buffer {
  return chunkType.toBuffer({
    head: chunk.head ?? null,
    keys: chunk.keys,
    touches: chunk.touches,
    pending: chunk.pending.map((p): PendingRecord => ({
      ...p,
      impressionId: p.impressionId ?? null,
      userAliases: p.userAliases ?? [],
    })),
  });
}

export function decodeSnapshotChunk(body: Uint8Array): PartitionSnapshotChunk {
  const decoded = chunkType.fromBuffer(
    Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  ) as {
    head: PartitionSnapshotChunk['head'] | null;
    keys: PartitionSnapshotChunk['keys'];
    touches: PartitionSnapshotChunk['touches'];
    pending: PendingRecord[];
  };
  return {
    ...(decoded.head ? { head: decoded.head } : {}),
    keys: decoded.keys,
    touches: decoded.touches,
    pending: decoded.pending.map(({ impressionId, userAliases, ...p }) => ({
      ...p,
      ...(impressionId !== null ? { impressionId } : {}),
      ...(userAliases.length > 0 ? { userAliases } : {}),
    })),
  };
}
