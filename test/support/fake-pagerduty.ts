/**
 * A local HTTP receiver standing in for PagerDuty's Events API v2 (POST /v2/enqueue, answered
 * 202 like PagerDuty does) and for the warnings webhook (POST /adx-warnings). It keeps every
 * request body, in order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** the fields of an Events API v2 event that Alertmanager sends */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details?: Record<string, unknown>;
  };
  readonly client?: string;
  readonly client_url?: string;
}

/** Alertmanager's webhook body (version 4) */
export interface WebhookMessage {
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly alerts: {
    readonly status: 'firing' | 'resolved';
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  }[];
}

export interface FakePagerDuty {
  readonly port: number;
  readonly pagerDutyUrl: string;
  readonly webhookUrl: string;
  readonly events: PagerDutyEvent[];
  readonly warnings: WebhookMessage[];
  close(): Promise<void>;
}

export async function startFakePagerDuty(port = 0): Promise<FakePagerDuty> {
  const events: PagerDutyEvent[] = [];
  const warnings: WebhookMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (req.method === 'POST' && req.url === '/v2/enqueue') {
        events.push(body as PagerDutyEvent);
        const dedupKey = (body as PagerDutyEvent).dedup_key;
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }),
          );
      } else if (req.method === 'POST' && req.url === '/adx-warnings') {
        warnings.push(body as WebhookMessage);
        res.writeHead(200).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    pagerDutyUrl: `http://127.0.0.1:${bound}/v2/enqueue`,
    webhookUrl: `http://127.0.0.1:${bound}/adx-warnings`,
    events,
    warnings,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Alertmanager keeps its connections alive; close() alone would wait for them
        server.closeAllConnections();
      }),
  };
}
