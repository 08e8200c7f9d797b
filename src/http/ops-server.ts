import { createServer, type Server } from 'node:http';
import type { Metrics } from '../../ports';
import { listenProblem } from './port-check';

export interface Probes {
  /** the process is alive and its loop is not wedged */
  healthy(): boolean;
  /** state is restored and the source is being consumed */
  ready(): boolean;
  /** the dependencies found down right now (readiness is false while any is) */
  down?(): readonly string[];
}

/** /metrics (Prometheus text), /healthz and /readyz. Nothing else is served. */
export function startOpsServer(
  metrics: Metrics,
  probes: Probes,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      metrics.expose().then(
        (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body),
        () => res.writeHead(500).end('metrics unavailable\n'),
      );
    } else if (path === '/healthz') {
      const ok = probes.healthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const down = probes.down?.() ?? [];
      const ok = probes.ready() && down.length === 0;
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(
          ok ? 'ready\n' : down.length > 0 ? `not ready: ${down.join(', ')} down\n` : 'not ready\n',
        );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    // the check at start-up leaves a moment for another process to take the port
    server.once('error', (error) => reject(listenProblem(error, host, port) ?? error));
    server.listen(port, host, () => resolve(server));
  });
}
