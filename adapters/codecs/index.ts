export * from './bid-request-avro';
export * from './confluent-avro';
export * from './contract-files';
export * from './csv-click';
export * from './decode-batch';
export * from './json-impression';
export * from './wire-record-decoder';
