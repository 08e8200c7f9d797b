import type { Message } from 'kafkajs';
import type { KafkaConnection } from './kafka-client';
import type { PackedMessages } from './publisher-messages';
import type { ErrorDescription } from './thread-errors';

/** What the publisher thread is started with (workerData). */
export interface PublisherThreadData {
  readonly connection: KafkaConnection;
  readonly adEventsTopic: string;
  readonly deadLetterTopic: string;
  readonly maxRequestBytes?: number;
}

/** one call of the main thread's publisher */
export type PublisherCall =
  | { readonly op: 'ad_events'; readonly packed: PackedMessages }
  | { readonly op: 'dead_letters'; readonly messages: readonly Message[] }
  | { readonly op: 'close' };

export type PublisherRequest = PublisherCall & { readonly id: number };

export type PublisherReply =
  | { readonly kind: 'done'; readonly id: number; readonly error?: ErrorDescription }
  | {
      readonly kind: 'log';
      readonly level: 'error' | 'warn' | 'info';
      readonly message: string;
      readonly fields: Record<string, unknown>;
    };
