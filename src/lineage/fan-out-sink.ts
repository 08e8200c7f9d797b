import type { DatasetNamespaces } from './dataset-namespaces';
import { RunEventSink, type RunEvent } from './openlineage';

/**
 * Sends every run event to several sinks at once (ADX_OPENLINEAGE_FILE and ADX_OPENLINEAGE_URL
 * together). The event is built once, so both places hold the same eventTime; the sinks run in
 * parallel, so a slow HTTP consumer does not delay the file and one sink's failure does not cost
 * the other its event.
 */
export class FanOutOpenLineageSink extends RunEventSink {
  constructor(
    private readonly sinks: readonly RunEventSink[],
    now: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => {},
    namespaces?: DatasetNamespaces,
  ) {
    super(now, namespaces);
  }

  async emit(event: RunEvent): Promise<void> {
    // sinks report rather than throw; allSettled keeps the pipeline safe from one that does not
    const results = await Promise.allSettled(this.sinks.map((s) => s.emit(event)));
    for (const r of results) if (r.status === 'rejected') this.onError(r.reason);
  }
}
