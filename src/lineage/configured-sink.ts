import type { AppConfig } from '../config/config';
import { datasetNamespaces } from './dataset-namespaces';
import { FanOutOpenLineageSink } from './fan-out-sink';
import { HttpOpenLineageSink } from './http-sink';
import { NdjsonOpenLineageSink } from './ndjson-sink';
import type { OpenLineageSink, RunEventSink } from './openlineage';

/**
 * The sink the configuration asks for: the NDJSON file, the HTTP consumer, both, or none.
 * `onError` hears about every event a sink could not export; the pipeline carries on regardless.
 * `onRecovered` hears when the HTTP consumer takes events again after its breaker had opened.
 */
export function configuredOpenLineageSink(
  config: Pick<
    AppConfig,
    'openLineageFile' | 'openLineageHttp' | 'profile' | 'kafka' | 's3' | 'warehouse'
  >,
  onError: (error: unknown) => void,
  now: () => number = Date.now,
  onRecovered?: (message: string) => void,
): OpenLineageSink | undefined {
  const namespaces = datasetNamespaces(config);
  const sinks: RunEventSink[] = [
    ...(config.openLineageFile
      ? [new NdjsonOpenLineageSink(config.openLineageFile, now, onError, namespaces)]
      : []),
    ...(config.openLineageHttp
      ? [
          new HttpOpenLineageSink(config.openLineageHttp, {
            now,
            onError,
            namespaces,
            ...(onRecovered ? { onRecovered } : {}),
          }),
        ]
      : []),
  ];
  if (sinks.length <= 1) return sinks[0];
  return new FanOutOpenLineageSink(sinks, now, onError, namespaces);
}
