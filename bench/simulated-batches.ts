import { HmacPseudonymizer } from '../adapters/crypto/hmac-pseudonymizer';
import { createBidRequestDecoder } from '../adapters/codecs/bid-request-avro';
import type { DecodeDeps } from '../adapters/codecs/decode-batch';
import { MemoryBus } from '../adapters/memory/memory-bus';
import { MemorySchemaRegistry } from '../adapters/memory/memory-schema-registry';
import type { SourceKind } from '../domain';
import type { RawRecord } from '../ports';
import { loadConfig } from '../src/config/config';
import { registerContracts } from '../src/contracts/register-contracts';
import { partitionForKey } from '../src/simulator/partitioner';
import { createSimulator } from '../src/simulator/simulator';

export interface SimulatedBatch {
  readonly kind: SourceKind;
  readonly records: RawRecord[];
}

export interface SimulatedBatches {
  readonly batches: SimulatedBatch[];
  readonly decodeDeps: DecodeDeps;
  readonly pseudonymizer: HmacPseudonymizer;
}

/**
 * `events` simulated records (seed 7, three partitions), cut into batches of at most `batchSize`
 * as a consumer would hand them over: one topic-partition each, the topics taken in turn.
 */
export async function simulatedBatches(
  events: number,
  batchSize: number,
): Promise<SimulatedBatches> {
  const config = loadConfig({});
  const registry = new MemorySchemaRegistry();
  const ids = await registerContracts(registry, config.topics);
  const startTime = Date.now() - 60_000 - events * 5;
  const simulator = createSimulator({
    seed: 7,
    startTime,
    eventTimeStepMs: 5,
    partitions: 3,
    bidRequestSchemaIds: ids.bidRequest,
  });

  const bus = new MemoryBus(partitionForKey, 3);
  const kinds: Record<string, SourceKind> = {
    impressions: 'impression',
    clicks: 'click_or_conversion',
    bid_requests: 'bid_request',
  };
  for (const r of simulator.take(events))
    bus.produce(r.topic, r.key, r.value, r.headers ?? {}, startTime);
  const batches: SimulatedBatch[] = [];
  const cursors = new Map<string, number>();
  for (let progressed = true; progressed;) {
    progressed = false;
    for (const topic of Object.keys(kinds)) {
      for (let p = 0; p < 3; p++) {
        const from = cursors.get(`${topic}:${p}`) ?? 0;
        const records = bus.read(topic, p, from, batchSize);
        if (records.length === 0) continue;
        cursors.set(`${topic}:${p}`, from + records.length);
        batches.push({ kind: kinds[topic] as SourceKind, records });
        progressed = true;
      }
    }
  }
  const schemaById = (id: number) => registry.schemaById(id);
  return {
    batches,
    decodeDeps: { schemaById, bidRequestDecoder: createBidRequestDecoder(schemaById) },
    pseudonymizer: new HmacPseudonymizer(Buffer.alloc(32, 7)),
  };
}
