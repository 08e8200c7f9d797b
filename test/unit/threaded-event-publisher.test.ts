/**
 * ThreadedEventPublisher's side of the thread: replies matched to their calls, errors revived,
 * log lines forwarded, and a thread that dies failing its calls (not leaving them hanging) and
 * replaced by the next call. The threads here are small scripts standing in for
 * publisher-thread.js; the real one is run against Kafka by the publisher conformance suite.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadedEventPublisher } from '../../adapters/kafka/threaded-event-publisher';
import { DependencyUnavailableError } from '../../adapters/resilience/dependency-policy';
import { adEventType } from '../../src/contracts/ad-event-type';
import { adEvent } from '../conformance/support/conformance-kit';

const dir = mkdtempSync(join(tmpdir(), 'adx-publisher-thread-'));

/** a thread script: `onMessage` is the body of a handler of (port, request, data) */
function script(name: string, onMessage: string): string {
  const file = join(dir, `${name}.js`);
  writeFileSync(
    file,
    `const { parentPort, workerData } = require('node:worker_threads');
     parentPort.on('message', (request) => { ((port, request, data) => { ${onMessage} })(parentPort, request, workerData); });`,
  );
  return file;
}

function publisher(scriptFile: string, log?: ThreadedEventPublisherLog) {
  return new ThreadedEventPublisher({
    script: scriptFile,
    connection: { brokers: ['127.0.0.1:1'], clientId: 'unit' },
    adEventsTopic: 'ad_events',
    deadLetterTopic: 'ad_events.dlq',
    adEventSchema: { id: 3, type: adEventType() },
    processorVersion: 'unit',
    ...(log ? { log } : {}),
  });
}
type ThreadedEventPublisherLog = (level: string, message: string, fields: object) => void;

const events = [adEvent('click', 'c-1', 1_000), adEvent('impression', 'i-1', 2_000)];

describe('ThreadedEventPublisher', () => {
  it('resolves each call when its own reply arrives, answered out of order', async () => {
    // the first call is answered only after the second: replies go by id, not by arrival
    const p = publisher(
      script(
        'out-of-order',
        `if (request.op === 'close') return port.postMessage({ kind: 'done', id: request.id });
         globalThis.held ??= [];
         globalThis.held.push(request);
         if (globalThis.held.length === 2)
           for (const r of globalThis.held.reverse())
             port.postMessage({ kind: 'done', id: r.id, ...(r.packed.keys.length === 1 ? { error: { name: 'Error', message: 'one event' } } : {}) });`,
      ),
    );
    const one = p.publishAdEvents(events.slice(0, 1));
    const two = p.publishAdEvents(events);
    await expect(one).rejects.toThrow('one event');
    await expect(two).resolves.toBeUndefined();
    await p.close();
  });

  it('hands the thread what it was configured with and the packed events', async () => {
    const p = publisher(
      script(
        'echo',
        `port.postMessage({ kind: 'done', id: request.id, error: { name: 'Echo', message: JSON.stringify({
           op: request.op, topic: data.adEventsTopic, brokers: data.connection.brokers,
           keys: request.packed && request.packed.keys, bytes: request.packed && request.packed.values.length }) } });`,
      ),
    );
    const seen = await p.publishAdEvents(events).then(
      () => undefined,
      (error: Error) => JSON.parse(error.message) as Record<string, unknown>,
    );
    expect(seen).toMatchObject({
      op: 'ad_events',
      topic: 'ad_events',
      brokers: ['127.0.0.1:1'],
      keys: events.map((e) => e.userId),
    });
    expect(seen?.bytes).toBeGreaterThan(2 * 5);
    await p.close().catch(() => undefined);
  });

  it('revives a policy refusal as a DependencyUnavailableError', async () => {
    const p = publisher(
      script(
        'breaker',
        `port.postMessage({ kind: 'done', id: request.id, error: request.op === 'close' ? undefined :
           { name: 'DependencyUnavailableError', message: 'kafka: not called', dependency: 'kafka', why: 'breaker_open' } });`,
      ),
    );
    const error: unknown = await p.publishAdEvents(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'kafka', why: 'breaker_open' });
    await p.close();
  });

  it("forwards the thread's log lines to the service's logger", async () => {
    const lines: unknown[] = [];
    const p = publisher(
      script(
        'logs',
        `port.postMessage({ kind: 'log', level: 'warn', message: 'kafka producer: slow', fields: { broker: 'b1' } });
         port.postMessage({ kind: 'done', id: request.id });`,
      ),
      (level, message, fields) => lines.push({ level, message, fields }),
    );
    await p.publishAdEvents(events);
    expect(lines).toEqual([
      { level: 'warn', message: 'kafka producer: slow', fields: { broker: 'b1' } },
    ]);
    await p.close();
  });

  it('fails the calls in flight when the thread dies, and starts a new one for the next call', async () => {
    const p = publisher(
      script(
        'dies-once',
        `const fs = require('node:fs'); const mark = ${JSON.stringify(join(dir, 'died'))};
         if (!fs.existsSync(mark)) { fs.writeFileSync(mark, ''); process.exit(7); }
         port.postMessage({ kind: 'done', id: request.id });`,
      ),
    );
    await expect(p.publishAdEvents(events)).rejects.toThrow(
      'the ad_events publisher thread exited (code 7)',
    );
    await expect(p.publishAdEvents(events)).resolves.toBeUndefined();
    await p.close();
  });

  it('fails the call when the thread throws', async () => {
    const p = publisher(script('throws', `throw new TypeError('thread bug');`));
    await expect(p.publishDeadLetters([])).resolves.toBeUndefined(); // nothing to send: no call
    await expect(p.publishAdEvents(events)).rejects.toThrow('thread bug');
  });
});
