import { causeChain, tlsFailureOf, type TlsFailure } from '../system/tls-failure';
import { createKafka, type KafkaConnection } from './kafka-client';

/** Why a client could not use the brokers, when it says something about its settings. */
export type KafkaConnectionProblem =
  | { readonly kind: TlsFailure; readonly code: string }
  /** the broker hung up without answering: a TLS or SASL listener does that to a client that skips it */
  | { readonly kind: 'closed' }
  | { readonly kind: 'authentication' }
  | { readonly kind: 'sasl-mechanism' };

/** Classifies a kafkajs error; undefined when it is not about TLS or SASL settings. */
export function kafkaConnectionProblem(error: unknown): KafkaConnectionProblem | undefined {
  const tls = tlsFailureOf(error);
  if (tls) return { kind: tls.failure, code: tls.code };
  for (const e of causeChain(error)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return { kind: 'authentication' };
    if (e.type === 'UNSUPPORTED_SASL_MECHANISM') return { kind: 'sasl-mechanism' };
    if (e.name === 'KafkaJSConnectionClosedError' || e.message === 'Closed connection')
      return { kind: 'closed' };
  }
  return undefined;
}

/**
 * Connects an admin client and reads the cluster description, with few retries: at start, a
 * wrong CA, password or protocol is reported in seconds instead of after the full retry budget.
 * Resolves undefined when the brokers answered, or when the failure is not about these settings
 * (unreachable, timeouts): the service's own retries deal with those.
 */
export async function checkKafkaConnection(
  connection: KafkaConnection,
): Promise<KafkaConnectionProblem | undefined> {
  const admin = createKafka(connection, undefined, { retries: 1 }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return undefined;
  } catch (error) {
    return kafkaConnectionProblem(error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
