import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import { emptyCounts } from '../../domain';
import { startOpsServer } from '../../src/http/ops-server';

describe('ops HTTP server', () => {
  let server: Server;
  let base: string;
  let ready = false;
  let healthy = true;
  let down: string[] = [];
  const metrics = new PrometheusMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    server = await startOpsServer(
      metrics,
      { healthy: () => healthy, ready: () => ready, down: () => down },
      '127.0.0.1',
      0,
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves Prometheus text with the pipeline counters', async () => {
    const counts = { ...emptyCounts(), received: 7, accepted: 5, rejected: 1, duplicates: 1 };
    counts.rejectedByReason.corrupt_payload = 1;
    metrics.recordBatch('impression', counts);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('adx_events_received_total{source="impression"} 7');
    expect(body).toContain(
      'adx_events_rejected_total{source="impression",reason="corrupt_payload"} 1',
    );
  });

  it('answers readiness only once the service is ready, and health until it fails', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
  });

  it('is not ready while a dependency is down, and says which', async () => {
    ready = true;
    down = ['postgres', 'object store'];
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('not ready: postgres, object store down\n');
    down = [];
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves nothing else', async () => {
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
