export * from './partitioner';
export * from './simulator';
