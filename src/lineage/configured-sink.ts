import type { AppConfig } from '../config/config';
import { FanOutOpenLineageSink } from './fan-out-sink';
import { HttpOpenLineageSink } from './http-sink';
import { NdjsonOpenLineageSink } from './ndjson-sink';
import type { OpenLineageSink, RunEventSink } from './openlineage';

/**
 * The sink the configuration asks for: the NDJSON file, the HTTP consumer, both, or none.
 * `onError` hears about every event a sink could not export; the pipeline carries on regardless.
 */
export function configuredOpenLineageSink(
  config: Pick<AppConfig, 'openLineageFile' | 'openLineageHttp'>,
  onError: (error: unknown) => void,
  now: () => number = Date.now,
): OpenLineageSink | undefined {
  const sinks: RunEventSink[] = [
    ...(config.openLineageFile
      ? [new NdjsonOpenLineageSink(config.openLineageFile, now, onError)]
      : []),
    ...(config.openLineageHttp
      ? [new HttpOpenLineageSink(config.openLineageHttp, { now, onError })]
      : []),
  ];
  if (sinks.length <= 1) return sinks[0];
  return new FanOutOpenLineageSink(sinks, now, onError);
}
