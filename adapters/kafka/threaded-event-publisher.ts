import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import type { KafkaLog } from './kafka-client';
import { deadLetterMessages, packAdEvents, type AdEventSchema } from './publisher-messages';
import type {
  PublisherCall,
  PublisherReply,
  PublisherThreadData,
} from './publisher-thread-protocol';
import { reviveError } from './thread-errors';

export interface ThreadedPublisherOptions extends PublisherThreadData {
  readonly adEventSchema: AdEventSchema;
  readonly processorVersion: string;
  /** the compiled publisher-thread.js (publisherThreadScript()) */
  readonly script: string;
  readonly log?: KafkaLog;
}

/** The thread's script beside this module once compiled; undefined when run from the TS sources. */
export function publisherThreadScript(): string | undefined {
  const script = join(__dirname, 'publisher-thread.js');
  return existsSync(script) ? script : undefined;
}

interface Pending {
  /** the thread the call went to: a thread that dies fails its own calls only */
  readonly worker: Worker;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The Kafka publisher on a worker thread of its own. Main thread: the Avro bodies (already
 * encoded once when the domain tried them) framed into one buffer handed over without a copy, and
 * the dead-letter envelopes. The thread: the kafkajs producer (publisher-thread.ts), its policy
 * and its sockets. A call resolves once the thread's send is acknowledged and rejects with the
 * send's own error, revived with the fields the outage classifier reads. A thread that dies fails
 * the calls in flight and is started again by the next call.
 */
export class ThreadedEventPublisher implements EventPublisher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly options: ThreadedPublisherOptions) {}

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    if (events.length === 0) return;
    const packed = packAdEvents(this.options.adEventSchema, events);
    // packAdEvents allocates both outside Buffer's shared pool: plain ArrayBuffers of their own
    const transfer = [packed.values.buffer, packed.ends.buffer] as ArrayBuffer[];
    await this.call({ op: 'ad_events', packed }, transfer);
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const messages = deadLetterMessages(letters, Date.now(), this.options.processorVersion);
    await this.call({ op: 'dead_letters', messages });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.call({ op: 'close' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private call(request: PublisherCall, transfer: ArrayBuffer[] = []): Promise<void> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      worker.ref();
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const {
      script,
      log,
      adEventSchema: _schema,
      processorVersion: _version,
      ...data
    } = this.options;
    const worker = new Worker(script, { workerData: data satisfies PublisherThreadData });
    // idle, the thread does not keep the process alive; a call in flight does (call())
    worker.unref();
    worker.on('message', (reply: PublisherReply) => {
      if (reply.kind === 'log') {
        log?.(reply.level, reply.message, reply.fields);
        return;
      }
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.settled(reply.id);
      if (reply.error) pending.reject(reviveError(reply.error));
      else pending.resolve();
    });
    worker.on('error', (error) => this.failAll(worker, error));
    worker.on('exit', (code) =>
      this.failAll(worker, new Error(`the ad_events publisher thread exited (code ${code})`)),
    );
    this.worker = worker;
    return worker;
  }

  private settled(id: number): void {
    const worker = this.pending.get(id)?.worker;
    this.pending.delete(id);
    if (worker && ![...this.pending.values()].some((p) => p.worker === worker)) worker.unref();
  }

  private failAll(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, pending] of [...this.pending]) {
      if (pending.worker !== worker) continue;
      this.pending.delete(id);
      pending.reject(error);
    }
  }
}
