import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the consumer saw it. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the consumer does with the nth request (0-based): answer with a status, or never answer. */
export type Answer = number | { status: number; headers?: Record<string, string>; body?: string };
export type Behaviour = (n: number) => Answer | 'hang';

export interface Consumer {
  /** base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, standing in for Marquez. */
export async function startConsumer(behaviour: Behaviour = () => 200): Promise<Consumer> {
  const received: Received[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const n = requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = behaviour(n);
      if (answer === 'hang') return;
      const a = typeof answer === 'number' ? { status: answer } : answer;
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // hung requests and keep-alive sockets would hold close() open
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nobody listens on: bound once, then released. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
