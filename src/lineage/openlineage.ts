import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LineageStep, SourceBatch } from '../../ports';
import { EMBEDDED_NAMESPACES, type DatasetNamespaces } from './dataset-namespaces';

/**
 * OpenLineage run events for each batch: START before it is processed, COMPLETE once its load
 * committed (or FAIL when its side effects gave up), with the Kafka topic as input dataset and the
 * staged S3 objects and warehouse tables as outputs, named after OpenLineage's conventions
 * (dataset-namespaces.ts). The sinks that deliver them are beside this
 * file: NDJSON (ADX_OPENLINEAGE_FILE), HTTP (ADX_OPENLINEAGE_URL), or both.
 *
 * No npm package ships the OpenLineage JSON schema, so `RUN_EVENT_SCHEMA` below is a zod schema of
 * the fields the spec (https://openlineage.io/spec/2-0-2/OpenLineage.json, RunEvent) requires; the
 * contract test also checks events with the official Java client (ops/openlineage/).
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

/** our own facet: its schema lives with the producer (OpenLineage's convention for custom facets) */
const facet = (name: string, body: Record<string, unknown>) => ({
  _producer: PRODUCER,
  _schemaURL: `${PRODUCER}/facets/${name}.json#/$defs/${name}`,
  ...body,
});

/** the standard facet, under the spec's own schema URL so consumers recognise it */
const ERROR_MESSAGE_FACET_SCHEMA =
  'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet';

function errorMessageFacet(error: unknown) {
  return {
    _producer: PRODUCER,
    _schemaURL: ERROR_MESSAGE_FACET_SCHEMA,
    message: error instanceof Error ? error.message : String(error),
    programmingLanguage: 'TypeScript',
  };
}

/** staged objects (`s3://key` in the stage step) and loaded tables (`table:name` in the load step) */
function datasetsOf(steps: readonly LineageStep[], ns: DatasetNamespaces): RunEvent['outputs'] {
  const stage = steps.find((s) => s.step === 'stage');
  const load = steps.find((s) => s.step === 'load');
  return [
    ...(stage?.outputs ?? []).map((o) => ({
      namespace: ns.staging,
      name: o.replace(/^s3:\/\//, ''),
    })),
    ...(load?.outputs ?? []).map((o) => ({
      namespace: ns.warehouse,
      name: `${ns.tablePrefix}${o.replace(/^table:/, '')}`,
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
  namespaces: DatasetNamespaces = EMBEDDED_NAMESPACES,
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
        ...(error !== undefined ? { errorMessage: errorMessageFacet(error) } : {}),
      },
    },
    job: { namespace: JOB_NAMESPACE, name: JOB_NAME },
    inputs: [{ namespace: namespaces.source, name: batch.topic }],
    outputs: type === 'COMPLETE' ? datasetsOf(steps, namespaces) : [],
  };
}

/** Builds the run events of a batch; a subclass only says where one event goes. */
export abstract class RunEventSink implements OpenLineageSink {
  constructor(
    private readonly now: () => number,
    private readonly namespaces: DatasetNamespaces = EMBEDDED_NAMESPACES,
  ) {}

  /** Sends one event; must not throw (failures go to the sink's error callback). */
  abstract emit(event: RunEvent): Promise<void>;

  start(batch: SourceBatch): Promise<void> {
    return this.emit(runEvent('START', batch, this.now(), [], undefined, this.namespaces));
  }

  complete(batch: SourceBatch, steps: readonly LineageStep[]): Promise<void> {
    return this.emit(runEvent('COMPLETE', batch, this.now(), steps, undefined, this.namespaces));
  }

  fail(batch: SourceBatch, error: unknown): Promise<void> {
    return this.emit(runEvent('FAIL', batch, this.now(), [], error, this.namespaces));
  }
}
