export * from './partitioner';
export * from './simulator';
export { SIMULATED_REASONS, type SimulatedReason } from './malformed';
