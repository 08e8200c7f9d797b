/** The audit and lineage queries behind `adx audit` and `adx lineage`, over migration 005's views and 006's stopped records. */
export * from './conservation-audit';
export * from './dataset-feeds';
export * from './event-trace';
