/**
 * The shape of simulated traffic. Shares and rates are of records emitted; the defaults follow a
 * typical programmatic seller: most records are auctions, a fifth of them won, ~3% CTR.
 */
export interface TrafficMix {
  /** target share of bid requests among bid requests + impressions, as ratio numerator */
  readonly bidRequests: number;
  /** target share of impressions (won auctions plus direct-sold ones) */
  readonly impressions: number;
  /** share of bid requests we bid on at all */
  readonly bidRate: number;
  /** share of bid requests won (must not exceed bidRate) */
  readonly winRate: number;
  /** clicks per impression */
  readonly clickThroughRate: number;
  /** share of clicks that name their impression explicitly */
  readonly explicitImpressionRate: number;
  /** conversions per click */
  readonly clickConversionRate: number;
  /** view-through conversions (no click) per impression */
  readonly viewThroughRate: number;
  /** share of records written with the newer contract version (JSON v2, CSV v2, Avro v2) */
  readonly contractV2Share: number;
}

export interface SimulatorOptions {
  readonly seed: number;
  /**
   * Event time of the first record, epoch ms. Event time advances eventTimeStepMs per record
   * whatever the wall clock does, and the pipeline rejects event times more than an hour ahead of
   * its clock: pick startTime so that startTime + records × eventTimeStepMs ≤ now + 1 h (for a
   * bounded run, e.g. now − 1 min − records × step), or pace a live run at 1000 / step records/s.
   */
  readonly startTime: number;
  /** registry ids of the bid-request contract versions the Avro records are stamped with */
  readonly bidRequestSchemaIds: { readonly v1: number; readonly v2: number };
  readonly campaigns?: number;
  readonly users?: number;
  readonly publishers?: number;
  /** average event-time spacing between successive records, ms (fractions allowed) */
  readonly eventTimeStepMs?: number;
  /** exact re-sends of earlier valid records, as a share of records */
  readonly duplicateRate?: number;
  /** records that must be rejected, as a share of records; every rejection reason appears */
  readonly malformedRate?: number;
  /** valid records sent out of order, up to 5 minutes behind (inside the 10 min lateness) */
  readonly lateRate?: number;
  /** partitions of every source topic (they are co-partitioned by user id) */
  readonly partitions?: number;
  /** the pipeline's record size limit: too_large records are made just over it */
  readonly maxRecordBytes?: number;
  /** a schema id no registry knows, for unknown_schema records */
  readonly unregisteredSchemaId?: number;
  readonly mix?: Partial<TrafficMix>;
}

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'mix'>> & {
  readonly mix: TrafficMix;
};

export const DEFAULT_MIX: TrafficMix = {
  bidRequests: 0.55,
  impressions: 0.4,
  bidRate: 0.85,
  winRate: 0.2,
  clickThroughRate: 0.03,
  explicitImpressionRate: 0.3,
  clickConversionRate: 0.07,
  viewThroughRate: 0.002,
  contractV2Share: 0.6,
};

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(`simulator: ${message}`);
}

const isRate = (x: number): boolean => x >= 0 && x <= 1;

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    campaigns: 12,
    users: 50_000,
    publishers: 40,
    eventTimeStepMs: 5,
    duplicateRate: 0.02,
    malformedRate: 0.005,
    lateRate: 0.01,
    partitions: 3,
    maxRecordBytes: 64 * 1024,
    unregisteredSchemaId: 2_000_000_000,
    ...options,
    mix: { ...DEFAULT_MIX, ...options.mix },
  };
  const { mix } = resolved;
  check(Number.isSafeInteger(resolved.startTime), 'startTime must be epoch ms');
  for (const key of ['campaigns', 'users', 'publishers', 'partitions'] as const) {
    check(
      Number.isInteger(resolved[key]) && resolved[key] >= 1,
      `${key} must be a positive integer`,
    );
  }
  check(resolved.eventTimeStepMs > 0, 'eventTimeStepMs must be positive');
  check(
    isRate(resolved.duplicateRate) && isRate(resolved.malformedRate) && isRate(resolved.lateRate),
    'rates must be in [0, 1]',
  );
  check(
    resolved.duplicateRate + resolved.malformedRate < 1,
    'duplicateRate + malformedRate must leave room for valid records',
  );
  check(
    mix.bidRequests >= 0 && mix.impressions >= 0 && mix.bidRequests + mix.impressions > 0,
    'mix shares must be non-negative',
  );
  check(mix.winRate <= mix.bidRate, 'winRate cannot exceed bidRate');
  for (const [key, value] of Object.entries(mix))
    check(
      key === 'bidRequests' || key === 'impressions' || isRate(value),
      `mix.${key} must be in [0, 1]`,
    );
  return resolved;
}
