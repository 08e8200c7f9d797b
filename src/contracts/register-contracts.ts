import type { SchemaRegistry } from '../../ports';
import type { Topics } from '../config/config';
import { readContract } from '../../adapters/codecs/contract-files';
import { BID_REQUEST_CONTRACTS } from '../../adapters/codecs/bid-request-avro';
import { AD_EVENT_SCHEMAS, valueSubject } from './contract-files';

export interface RegisteredContracts {
  readonly bidRequest: { readonly v1: number; readonly v2: number };
  readonly adEvent: { readonly v1: number; readonly v2: number };
}

/** Registers every Avro contract version, oldest first, under BACKWARD_TRANSITIVE. */
export async function registerContracts(
  registry: SchemaRegistry,
  topics: Topics,
): Promise<RegisteredContracts> {
  const registerAll = async (topic: string, files: readonly [string, string]) => {
    const subject = valueSubject(topic);
    await registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
    const v1 = await registry.register(subject, readContract(files[0]));
    const v2 = await registry.register(subject, readContract(files[1]));
    return { v1, v2 };
  };
  return {
    bidRequest: await registerAll(topics.bidRequests, BID_REQUEST_CONTRACTS),
    adEvent: await registerAll(topics.adEvents, AD_EVENT_SCHEMAS),
  };
}
