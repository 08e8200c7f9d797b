import type { Knex } from 'knex';
import { LINEAGE_STEPS, type LineageStep, type StoppedRecord } from '../../ports';
import { FACT_TABLES } from '../warehouse/fact-tables';
import { PostgresLineageLog } from './postgres-lineage-log';
import { num, str, iso } from './sql-values';

/** `adx lineage batch` and `adx lineage trace`: from a batch or an event back to its Kafka coordinates. */
export interface BatchLineage {
  readonly batchId: string;
  /** null: no load_ledger row (never loaded, or only its lineage exists) */
  readonly ledger: {
    readonly topic: string | null;
    readonly partition: number | null;
    readonly firstOffset: string | null;
    readonly lastOffset: string | null;
    readonly received: number | null;
    readonly accepted: number | null;
    readonly rejected: number | null;
    readonly duplicates: number | null;
    readonly rows: number;
    readonly attributionRows: number;
    readonly stagedKeys: string[];
    readonly loadedAt: string | null;
  } | null;
  readonly steps: LineageStep[];
}

export async function batchLineage(knex: Knex, batchId: string): Promise<BatchLineage> {
  const [ledger] = (await knex('load_ledger').select('*').where({ batch_id: batchId })) as Record<
    string,
    unknown
  >[];
  const steps = (await new PostgresLineageLog(knex).stepsOfBatch(batchId)).sort(
    (a, b) => LINEAGE_STEPS.indexOf(a.step) - LINEAGE_STEPS.indexOf(b.step),
  );
  return {
    batchId,
    ledger: ledger
      ? {
          topic: str(ledger.source_topic),
          partition: num(ledger.source_partition),
          firstOffset: str(ledger.first_offset),
          lastOffset: str(ledger.last_offset),
          received: num(ledger.received),
          accepted: num(ledger.accepted),
          rejected: num(ledger.rejected),
          duplicates: num(ledger.duplicates),
          rows: Number(ledger.rows),
          attributionRows: Number(ledger.attribution_rows),
          stagedKeys: (ledger.staged_keys as string[] | null) ?? [],
          loadedAt: iso(ledger.loaded_at),
        }
      : null,
    steps,
  };
}

export interface EventTrace {
  readonly eventId: string;
  /** true: a fact row holds the event */
  readonly found: boolean;
  /**
   * Source records of this event id that stopped: the duplicates dropped after it was accepted, or
   * — with no fact row — the copies rejected as late. Each says where (batch, step) and why.
   */
  readonly stopped?: StoppedRecord[];
  readonly table?: string;
  readonly eventType?: string;
  readonly eventTime?: string | null;
  readonly campaignId?: string;
  readonly kafka?: { topic: string; partition: number; offset: string };
  readonly format?: string;
  readonly schemaId?: number | null;
  readonly batchId?: string;
  /** the staged S3 object(s) of the event's table and day in its batch */
  readonly stagedKeys?: string[];
  readonly steps?: { step: string; inputs: readonly string[]; outputs: readonly string[] }[];
  readonly attribution?: {
    readonly model: string;
    readonly touch: { eventType: string; eventId: string; eventTime: string | null } | null;
    readonly late: boolean;
    readonly batchId: string;
  } | null;
  readonly ruleVersions?: Readonly<Record<string, string>>;
}

/** From a warehouse row back to its Kafka offset: the fact row, its batch, steps and staged object. */
export async function traceEvent(knex: Knex, eventId: string): Promise<EventTrace> {
  for (const [eventType, table] of Object.entries(FACT_TABLES)) {
    const [row] = (await knex(table)
      .select(
        'event_id',
        'event_time',
        'date_key',
        'campaign_id',
        'batch_id',
        'source_topic',
        'source_partition',
        'source_offset',
        'source_format',
        'schema_id',
      )
      .where({ event_id: eventId })) as Record<string, unknown>[];
    if (!row) continue;
    const batchId = String(row.batch_id);
    const batch = await batchLineage(knex, batchId);
    const dk = String(row.date_key);
    const dayDir = `dt=${dk.slice(0, 4)}-${dk.slice(4, 6)}-${dk.slice(6, 8)}/`;
    const stagedKeys = (batch.ledger?.stagedKeys ?? []).filter(
      (k) => k.includes(`/${table}/`) && k.includes(dayDir),
    );
    let attribution: EventTrace['attribution'] = null;
    if (eventType === 'click' || eventType === 'conversion') {
      const [a] = (await knex('fact_attribution')
        .select(
          'model',
          'touch_event_type',
          'touch_event_id',
          'touch_event_time',
          'late',
          'batch_id',
        )
        .where({ event_type: eventType, event_id: eventId })) as Record<string, unknown>[];
      if (a)
        attribution = {
          model: String(a.model),
          touch:
            a.touch_event_id === null
              ? null
              : {
                  eventType: String(a.touch_event_type),
                  eventId: String(a.touch_event_id),
                  eventTime: iso(a.touch_event_time),
                },
          late: a.late === true,
          batchId: String(a.batch_id),
        };
    }
    const stopped = await new PostgresLineageLog(knex).stoppedWithEventId(eventId);
    return {
      eventId,
      found: true,
      ...(stopped.length > 0 ? { stopped } : {}),
      table,
      eventType,
      eventTime: iso(row.event_time),
      campaignId: String(row.campaign_id),
      kafka: {
        topic: String(row.source_topic),
        partition: Number(row.source_partition),
        offset: String(row.source_offset),
      },
      format: String(row.source_format),
      schemaId: num(row.schema_id),
      batchId,
      stagedKeys,
      steps: batch.steps.map((s) => ({ step: s.step, inputs: s.inputs, outputs: s.outputs })),
      attribution,
      ruleVersions: batch.steps[0]?.ruleVersions ?? {},
    };
  }
  const stopped = await new PostgresLineageLog(knex).stoppedWithEventId(eventId);
  return { eventId, found: false, ...(stopped.length > 0 ? { stopped } : {}) };
}

export interface SourceTrace {
  readonly kafka: { topic: string; partition: number; offset: string };
  /** the record loaded as this fact row */
  readonly event?: EventTrace;
  /** no fact row: where and why this record stopped, and for a duplicate the event it repeated */
  readonly stopped?: StoppedRecord;
  readonly duplicateOf?: EventTrace;
  /**
   * no fact row and no stopped record (a batch loaded before stopped records were kept): the
   * committed batch whose range holds the offset, and why records stopped there
   */
  readonly stoppedIn?: {
    readonly batchId: string;
    readonly rejected: number | null;
    readonly duplicates: number | null;
    readonly rejectedByReason: Readonly<Record<string, number>>;
  };
}

/**
 * From Kafka coordinates: the fact row loaded from that record, or — for a rejected or duplicate
 * record, which has no row — its stopped record: the batch and step that stopped it and why (a
 * rejected record itself is on the dead-letter topic, under the same coordinates).
 */
export async function traceSource(
  knex: Knex,
  topic: string,
  partition: number,
  offset: string,
): Promise<SourceTrace> {
  const kafka = { topic, partition, offset };
  for (const table of Object.values(FACT_TABLES)) {
    const [row] = (await knex(table)
      .select('event_id')
      .where({ source_topic: topic, source_partition: partition, source_offset: offset })) as {
      event_id: string;
    }[];
    if (row) return { kafka, event: await traceEvent(knex, row.event_id) };
  }
  const stopped = await new PostgresLineageLog(knex).stoppedAt(topic, partition, offset);
  if (stopped) {
    const original = stopped.event ? await traceEvent(knex, stopped.event.id) : undefined;
    return {
      kafka,
      stopped,
      ...(stopped.reason === 'duplicate' && original?.found ? { duplicateOf: original } : {}),
    };
  }
  const [batch] = (await knex('load_ledger')
    .select('batch_id', 'rejected', 'duplicates')
    .where({ source_topic: topic, source_partition: partition })
    .where('first_offset', '<=', offset)
    .where('last_offset', '>=', offset)) as Record<string, unknown>[];
  if (!batch) return { kafka };
  const steps = await new PostgresLineageLog(knex).stepsOfBatch(String(batch.batch_id));
  const byReason = steps.find((s) => s.step === 'validate')?.counts.rejectedByReason ?? {};
  return {
    kafka,
    stoppedIn: {
      batchId: String(batch.batch_id),
      rejected: num(batch.rejected),
      duplicates: num(batch.duplicates),
      rejectedByReason: Object.fromEntries(
        Object.entries(byReason as Record<string, number>).filter(([, n]) => n > 0),
      ),
    },
  };
}
