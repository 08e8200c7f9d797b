import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LineageStep, SourceBatch } from '../../ports';

/**
 * OpenLineage run events for each batch: START before it is processed, COMPLETE once its load
 * committed (or FAIL when its side effects gave up), with the Kafka topic as input dataset and the
 * staged S3 objects and warehouse tables as outputs. The sinks that deliver them are beside this
 * file: NDJSON (ADX_OPENLINEAGE_FILE), HTTP (ADX_OPENLINEAGE_URL), or both.
 *
 * No npm package ships the OpenLineage JSON schema, so `RUN_EVENT_SCHEMA` below is a zod schema of
 * the fields the spec (https://openlineage.io/spec/2-0-2/OpenLineage.json, RunEvent) requires.
 */
export const OPENLINEAGE_SCHEMA_URL =
  'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const PRODUCER = 'https://github.com/advertisex/pipeline';
export const JOB_NAMESPACE = 'advertisex';
export const JOB_NAME = 'adx.batch';

const dataset = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  facets: z.record(z.string(), z.unknown()).optional(),
});

/** RunEvent per the OpenLineage 2-0-2 spec: the required fields and their formats. */
export const RUN_EVENT_SCHEMA = z.object({
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']),
  eventTime: z.iso.datetime({ offset: true }),
  producer: z.url(),
  schemaURL: z.url(),
  run: z.object({
    runId: z.uuid(),
    facets: z.record(z.string(), z.unknown()).optional(),
  }),
  job: z.object({
    namespace: z.string().min(1),
    name: z.string().min(1),
    facets: z.record(z.string(), z.unknown()).optional(),
  }),
  inputs: z.array(dataset).optional(),
  outputs: z.array(dataset).optional(),
});
export type RunEvent = z.infer<typeof RUN_EVENT_SCHEMA>;

/** A stable UUID per batch (v4 layout from a hash of the batch id): a retried batch is the same run. */
export function runIdOf(batchId: string): string {
  const h = createHash('sha256').update(batchId).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const facet = (name: string, body: Record<string, unknown>) => ({
  _producer: PRODUCER,
  _schemaURL: `${PRODUCER}/facets/${name}.json`,
  ...body,
});

function datasetsOf(steps: readonly LineageStep[]): RunEvent['outputs'] {
  const stage = steps.find((s) => s.step === 'stage');
  const load = steps.find((s) => s.step === 'load');
  return [
    ...(stage?.outputs ?? []).map((o) => {
      const m = /^s3:\/\/(.+)$/.exec(o);
      return { namespace: 's3://staging', name: m ? (m[1] as string) : o };
    }),
    ...(load?.outputs ?? []).map((o) => ({
      namespace: 'postgres://warehouse',
      name: o.replace(/^table:/, ''),
    })),
  ];
}

/**
 * Where run events go. The pipeline awaits each call, so an implementation must not throw and must
 * give up within a bounded time: lineage export never stops the pipeline.
 */
export interface OpenLineageSink {
  start(batch: SourceBatch): Promise<void>;
  complete(batch: SourceBatch, steps: readonly LineageStep[]): Promise<void>;
  fail(batch: SourceBatch, error: unknown): Promise<void>;
}

export function runEvent(
  type: 'START' | 'COMPLETE' | 'FAIL',
  batch: SourceBatch,
  at: number,
  steps: readonly LineageStep[] = [],
  error?: unknown,
): RunEvent {
  const counts = Object.fromEntries(steps.map((s) => [s.step, s.counts]));
  return {
    eventType: type,
    eventTime: new Date(at).toISOString(),
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: runIdOf(batch.id),
      facets: {
        adx_batch: facet('AdxBatchRunFacet', {
          batchId: batch.id,
          partition: batch.partition,
          firstOffset: batch.firstOffset,
          lastOffset: batch.lastOffset,
          ...(steps.length > 0 ? { counts, ruleVersions: steps[0]?.ruleVersions } : {}),
        }),
        ...(error !== undefined
          ? {
              errorMessage: facet('ErrorMessageRunFacet', {
                message: error instanceof Error ? error.message : String(error),
                programmingLanguage: 'TypeScript',
              }),
            }
          : {}),
      },
    },
    job: { namespace: JOB_NAMESPACE, name: JOB_NAME },
    inputs: [{ namespace: 'kafka://source', name: batch.topic }],
    outputs: type === 'COMPLETE' ? datasetsOf(steps) : [],
  };
}

/** Builds the run events of a batch; a subclass only says where one event goes. */
export abstract class RunEventSink implements OpenLineageSink {
  constructor(private readonly now: () => number) {}

  /** Sends one event; must not throw (failures go to the sink's error callback). */
  abstract emit(event: RunEvent): Promise<void>;

  start(batch: SourceBatch): Promise<void> {
    return this.emit(runEvent('START', batch, this.now()));
  }

  complete(batch: SourceBatch, steps: readonly LineageStep[]): Promise<void> {
    return this.emit(runEvent('COMPLETE', batch, this.now(), steps));
  }

  fail(batch: SourceBatch, error: unknown): Promise<void> {
    return this.emit(runEvent('FAIL', batch, this.now(), [], error));
  }
}
