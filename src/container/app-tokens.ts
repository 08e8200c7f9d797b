import type { SourceKind } from '../../domain';
import type { AppConfig } from '../config/config';

export const SERVICE = Symbol.for('adx.PipelineService');
/** registry ids of the contracts, bound once they are registered at start */
export const CONTRACT_IDS = Symbol.for('adx.ContractIds');
/** the opened Storage (warehouse, state store, committer), closed at shutdown */
export const STORAGE = Symbol.for('adx.Storage');
/** the dependencies found down right now (DependencyOutages), for /readyz */
export const OUTAGES = Symbol.for('adx.DependencyOutages');
/**
 * The per-event encoders of the stages after the decision (EventEncoding[]), tried on every
 * accepted event; bound in every profile to the same list, so a record is decided the same way
 * whichever adapters run (tests add one that throws)
 */
export const STAGE_ENCODINGS = Symbol.for('adx.StageEncodings');
/** Tokens that exist only in the embedded profile. */
export const EMBEDDED = { Bus: Symbol.for('adx.embedded.Bus') } as const;
/** Tokens that exist only in the real profile. */
export const REAL = { Kafka: Symbol.for('adx.real.Kafka') } as const;

export interface ContainerOptions {
  /** embedded bounded runs: the source ends when this says the input is complete */
  readonly inputComplete?: () => boolean;
}

export function sourceTopics(config: AppConfig): Map<string, SourceKind> {
  return new Map<string, SourceKind>([
    [config.topics.impressions, 'impression'],
    [config.topics.clicks, 'click_or_conversion'],
    [config.topics.bidRequests, 'bid_request'],
  ]);
}
