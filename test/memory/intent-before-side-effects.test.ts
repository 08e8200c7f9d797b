/**
 * A unit of work decodes and decides while its intent is being written (both are free of side
 * effects), but nothing leaves the process before the intent is in the state store: no staged
 * object, no published event, no load. Here the intent's write is held until the batch has been
 * decoded, and the test looks for any side effect in that window.
 */
import type { AdEvent } from '../../domain';
import {
  TOKENS,
  type DeadLetter,
  type EventPublisher,
  type ObjectStore,
  type RecordDecoder,
  type SourceBatch,
  type StateStore,
} from '../../ports';
import { registerContracts } from '../../src/contracts/register-contracts';
import { SERVICE } from '../../src/container/container';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { GroupZeroSource } from '../support/group-zero-source';
import { quietMemoryContainer } from '../support/quiet-memory-container';
import { simulatedBatch } from '../support/source-batch';
import { HEAVY_TEST_MS } from '../support/timeouts';

class CountingPublisher implements EventPublisher {
  adEvents: AdEvent[] = [];
  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    this.adEvents.push(...events);
  }
  async publishDeadLetters(_letters: readonly DeadLetter[]): Promise<void> {}
}

/** the same object, with one method replaced */
function withMethod<T extends object, K extends keyof T>(target: T, name: K, method: T[K]): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (p === name) return method;
      const value: unknown = Reflect.get(t, p);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

it(
  'decodes and decides while the intent is written, and starts no side effect before it is',
  async () => {
    const { config, container } = await quietMemoryContainer();
    const batch = simulatedBatch('impressions', 40);
    const publisher = new CountingPublisher();
    (await container.rebind(TOKENS.EventSource)).toConstantValue(new GroupZeroSource([batch]));
    (await container.rebind(TOKENS.EventPublisher)).toConstantValue(publisher);

    let releaseIntent!: () => void;
    const intentHeld = new Promise<void>((resolve) => (releaseIntent = resolve));
    const stateStore = container.get<StateStore>(TOKENS.StateStore);
    const intents: string[] = [];
    (await container.rebind(TOKENS.StateStore)).toConstantValue(
      withMethod(stateStore, 'beginBatch', async (id: string) => {
        await intentHeld;
        await stateStore.beginBatch(id);
        intents.push(id);
      }),
    );
    let markDecoded!: () => void;
    const decodedOnce = new Promise<void>((resolve) => (markDecoded = resolve));
    const decoder = container.get<RecordDecoder>(TOKENS.RecordDecoder);
    (await container.rebind(TOKENS.RecordDecoder)).toConstantValue({
      decode: async (b: SourceBatch) => {
        const records = await decoder.decode(b);
        markDecoded();
        return records;
      },
    });
    const store = container.get<ObjectStore>(TOKENS.ObjectStore);
    const puts: string[] = [];
    (await container.rebind(TOKENS.ObjectStore)).toConstantValue(
      withMethod(store, 'put', (...args: Parameters<ObjectStore['put']>) => {
        puts.push(args[0]);
        return store.put(...args);
      }),
    );
    await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
    const service = container.get<PipelineService>(SERVICE);

    await service.start();
    // decoded with the intent still held: decoding did not wait for it
    await decodedOnce;
    // and anything the unit would do next has had every chance to start
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect({ intents, puts, published: publisher.adEvents.length }).toEqual({
      intents: [],
      puts: [],
      published: 0,
    });
    expect((await stateStore.readState(0)).log.entries).toEqual([]);

    releaseIntent();
    await service.finished();
    expect(intents).toEqual([batch.id]);
    expect(puts.length).toBeGreaterThan(0);
    expect(publisher.adEvents.length).toBeGreaterThan(0);
    expect((await stateStore.readState(0)).log.entries).toHaveLength(1);
  },
  HEAVY_TEST_MS,
);
