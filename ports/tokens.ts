/** inversify tokens, one per port. */
export const TOKENS = {
  EventSource: Symbol.for('adx.EventSource'),
  EventPublisher: Symbol.for('adx.EventPublisher'),
  SchemaRegistry: Symbol.for('adx.SchemaRegistry'),
  RecordDecoder: Symbol.for('adx.RecordDecoder'),
  ObjectStore: Symbol.for('adx.ObjectStore'),
  Warehouse: Symbol.for('adx.Warehouse'),
  StateStore: Symbol.for('adx.StateStore'),
  LineageLog: Symbol.for('adx.LineageLog'),
  Metrics: Symbol.for('adx.Metrics'),
  Clock: Symbol.for('adx.Clock'),
  Pseudonymizer: Symbol.for('adx.Pseudonymizer'),
  BatchCommitter: Symbol.for('adx.BatchCommitter'),
  Config: Symbol.for('adx.Config'),
  Logger: Symbol.for('adx.Logger'),
} as const;
