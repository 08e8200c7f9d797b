/**
 * The publisher thread's entry (a worker_threads script): one BoundedProducer doing the ad_events
 * and dead-letter sends the main thread hands it, so kafkajs's record encoding, CRC32C and socket
 * writes run on the other core. Replies carry each call's error, described (thread-errors.ts);
 * kafkajs's log lines go back to the service's logger.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BoundedProducer } from './bounded-producer';
import { createKafka } from './kafka-client';
import { messagesFromClone, unpackMessages } from './publisher-messages';
import type {
  PublisherReply,
  PublisherRequest,
  PublisherThreadData,
} from './publisher-thread-protocol';
import { describeError } from './thread-errors';

function logSafe(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function servePublisher(port: MessagePort, data: PublisherThreadData): void {
  const reply = (message: PublisherReply): void => port.postMessage(message);
  const kafka = createKafka(data.connection, (level, message, fields) =>
    reply({ kind: 'log', level, message, fields: logSafe(fields) }),
  );
  const producer = new BoundedProducer(kafka, data.maxRequestBytes);

  const handle = async (request: PublisherRequest): Promise<void> => {
    switch (request.op) {
      case 'ad_events':
        return producer.send(data.adEventsTopic, unpackMessages(request.packed));
      case 'dead_letters':
        return producer.send(data.deadLetterTopic, messagesFromClone(request.messages));
      case 'close':
        await producer.close();
        return;
    }
  };
  port.on('message', (request: PublisherRequest) => {
    handle(request).then(
      () => reply({ kind: 'done', id: request.id }),
      (error: unknown) => reply({ kind: 'done', id: request.id, error: describeError(error) }),
    );
  });
}

if (!isMainThread && parentPort) servePublisher(parentPort, workerData as PublisherThreadData);
