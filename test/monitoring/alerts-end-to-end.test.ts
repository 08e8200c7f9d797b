/**
 * Alerting proven on real components: the real-profile service on the local stack (Kafka, the
 * registry, Postgres), scraped by Prometheus and evaluated against the alert rules, with
 * Alertmanager routing to a local receiver that stands in for PagerDuty's Events API v2 and the
 * warnings webhook. Prometheus and Alertmanager are the Debian packages' binaries, run by
 * `ops/stack.sh up --monitoring` with the test configuration (test/support/monitoring-stack.ts:
 * the shipped rules with every duration divided by 30, one-second scrape and evaluation).
 *
 * Faults: a burst of malformed records (the reject-rate page, the dead-letter warning, and the
 * resolve once it stops), and a stopped consumer (the stall page for its partition, the lag alert
 * of that partition inhibited, the resolve once it runs again). Then the Grafana dashboard's
 * queries are run against this Prometheus and this warehouse.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { KafkaEventSource } from '../../adapters/kafka/kafka-event-source';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { TOKENS } from '../../ports';
import type { AppConfig } from '../../src/config/config';
import { REAL, sourceTopics } from '../../src/container/container';
import { registerContracts } from '../../src/contracts/register-contracts';
import { realConfig, startService, type RunningService } from '../integration/support/real-service';
import {
  startFakePagerDuty,
  type FakePagerDuty,
  type PagerDutyEvent,
} from '../support/fake-pagerduty';
import { dropRun } from '../support/kafka-topics-io';
import {
  alertmanagerAlerts,
  monitoringUp,
  promQuery,
  writeTestMonitoringConfig,
} from '../support/monitoring-stack';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { StoppableConsumer } from '../support/stoppable-consumer';
import { freePort, requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import { startTrafficPump, type TrafficPump } from '../support/traffic-pump';
import { checkDashboardAgainst } from './dashboard-checks';

const PREFIX = `${uniqueRunName('alerts')}.`;
/** a fake routing key: what the receiver must see in every event */
const ROUTING_KEY = 'R0UT1NGK3Y0F7H3735751NT3GR4T10N';
const ALERT_TIMEOUT_MS = 240_000;

describe('alerts end to end: Prometheus and Alertmanager over the running service', () => {
  let database: TestDatabase;
  let receiver: FakePagerDuty;
  let config: AppConfig;
  let running: RunningService;
  let consumer: StoppableConsumer;
  let pump: TrafficPump;
  let kafka: Kafka;
  let configDir: string;
  let metricsPort: number;
  let prometheusUrl: string;
  let alertmanagerUrl: string;

  const pages = (alertname: string, action: PagerDutyEvent['event_action']): PagerDutyEvent[] =>
    receiver.events.filter((e) => e.payload?.class === alertname && e.event_action === action);
  const waitForPage = async (
    what: string,
    find: () => PagerDutyEvent | undefined,
  ): Promise<PagerDutyEvent> => {
    await waitFor(
      what,
      () => find() !== undefined,
      ALERT_TIMEOUT_MS,
      () => JSON.stringify(receiver.events.map((e) => [e.event_action, e.payload.summary])),
      500,
    );
    return find() as PagerDutyEvent;
  };

  beforeAll(async () => {
    await requireStack();
    database = await createTestDatabase('alerts', { migrated: true });
    receiver = await startFakePagerDuty(Number(process.env.MONITORING_RECEIVER_PORT ?? 0));
    metricsPort = Number(process.env.MONITORING_SERVICE_PORT ?? (await freePort()));
    config = realConfig(PREFIX, {
      ADX_HTTP_PORT: String(metricsPort),
      ADX_WAREHOUSE: 'postgres',
      DATABASE_URL: database.url,
      // one partition per topic: every record of a topic behind one consumer position
      ADX_PARTITIONS: '1',
      ADX_BATCH_SIZE: '500',
      ADX_LAG_INTERVAL: '1s',
      ADX_REFRESH_INTERVAL: '2s',
    });
    running = startService(config, async (c) => {
      const kafkaClient = c.get<Kafka>(REAL.Kafka);
      consumer = new StoppableConsumer(
        () =>
          new KafkaEventSource(kafkaClient, {
            groupId: config.kafka?.groupId ?? PREFIX,
            topics: sourceTopics(config),
            maxBatchSize: config.batchSize,
          }),
      );
      (await c.rebind(TOKENS.EventSource)).toConstantValue(consumer);
    });
    await waitFor('the service to run', () => running.service()?.status === 'running', 90_000);

    configDir = mkdtempSync(join(tmpdir(), 'adx-alerts-'));
    writeFileSync(join(configDir, 'pagerduty-routing-key'), `${ROUTING_KEY}\n`, { mode: 0o600 });
    writeTestMonitoringConfig(configDir, receiver);
    ({ prometheusUrl, alertmanagerUrl } = await monitoringUp({
      MONITORING_CONFIG_DIR: configDir,
      ADX_METRICS_TARGETS: `127.0.0.1:${metricsPort}`,
      PAGERDUTY_ROUTING_KEY_FILE: join(configDir, 'pagerduty-routing-key'),
    }));

    kafka = testKafka();
    const ids = await registerContracts(
      new ConfluentSchemaRegistry(config.registry as NonNullable<AppConfig['registry']>),
      config.topics,
    );
    pump = await startTrafficPump(kafka, config.topics, {
      rate: 300,
      partitions: 1,
      bidRequestSchemaIds: ids.bidRequest,
    });
    const instance = `instance="127.0.0.1:${metricsPort}"`;
    await waitFor(
      'Prometheus to scrape records received by the service',
      async () =>
        (await promQuery(prometheusUrl, `sum(adx_events_received_total{${instance}}) > 0`)).length >
        0,
      120_000,
      () => '',
      1000,
    );
  }, 300_000);

  afterAll(async () => {
    await pump?.stop().catch(() => undefined);
    await running?.stop().catch(() => undefined);
    // back to the shipped configuration (the stack's Prometheus and Alertmanager stay up)
    if (configDir) {
      await monitoringUp(
        process.env.ADX_METRICS_TARGETS
          ? { ADX_METRICS_TARGETS: process.env.ADX_METRICS_TARGETS }
          : {},
      ).catch(() => undefined);
      rmSync(configDir, { recursive: true, force: true });
    }
    if (kafka) await dropRun(kafka, PREFIX);
    await database?.drop();
    await receiver?.close();
  }, 180_000);

  it('pages PagerDuty for a burst of malformed records and resolves the incident after it', async () => {
    pump.garbagePerTick = 20; // 100 undecodable records a second on the impressions topic
    const trigger = await waitForPage('the reject-rate page', () =>
      pages('AdxRejectRateHigh', 'trigger').find((e) => e.payload.summary.includes('impression')),
    );
    expect(trigger.routing_key).toBe(ROUTING_KEY);
    expect(trigger.payload.severity).toBe('critical');
    expect(trigger.payload.summary).toMatch(
      /^\d+(\.\d+)?% of impression records rejected over 10 minutes \(threshold 5%\)$/,
    );
    expect(trigger.payload.component).toBe('adx-pipeline');
    expect(trigger.dedup_key).toMatch(/^[0-9a-f]{64}$/);

    // the dead-letter spike is a warning: the webhook gets it, PagerDuty does not
    await waitFor(
      'the dead-letter warning on the webhook',
      () =>
        receiver.warnings.some((w) =>
          w.alerts.some(
            (a) =>
              a.labels.alertname === 'AdxDeadLetterSpike' &&
              a.labels.source_topic === config.topics.impressions &&
              a.status === 'firing',
          ),
        ),
      ALERT_TIMEOUT_MS,
      () => '',
      500,
    );
    expect(receiver.events.filter((e) => e.payload.class === 'AdxDeadLetterSpike')).toEqual([]);

    pump.garbagePerTick = 0;
    const resolve = await waitForPage('the reject-rate resolve', () =>
      pages('AdxRejectRateHigh', 'resolve').find((e) => e.dedup_key === trigger.dedup_key),
    );
    expect(resolve.routing_key).toBe(ROUTING_KEY);
    // the annotations as last evaluated: the rate had fallen when the alert resolved
    expect(resolve.payload.summary).toMatch(/% of impression records rejected over 10 minutes/);
  }, 600_000);

  it('pages for a stopped consumer, naming its partition, inhibits that partition`s lag alert, and resolves after restart', async () => {
    const topic = config.topics.bidRequests; // the busiest topic: its lag passes 1000 first
    await consumer.pause();
    const trigger = await waitForPage(`the stall page for ${topic}/0`, () =>
      pages('AdxIngestionStalled', 'trigger').find((e) =>
        e.payload.summary.startsWith(`Ingestion stalled on ${topic}/0:`),
      ),
    );
    expect(trigger.routing_key).toBe(ROUTING_KEY);
    expect(trigger.payload.severity).toBe('critical');
    expect(trigger.payload.summary).toMatch(
      new RegExp(
        `^Ingestion stalled on ${topic.replace(/\./g, '\\.')}/0: \\d+ records waiting and none consumed for 15 minutes$`,
      ),
    );
    expect(trigger.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    // one incident per stalled partition: each topic's stall has its own dedup key
    const stallKeys = new Set(pages('AdxIngestionStalled', 'trigger').map((e) => e.dedup_key));
    expect(stallKeys.size).toBe(pages('AdxIngestionStalled', 'trigger').length);

    // the lag of the stalled partition grows past the threshold too, but that alert is inhibited
    await waitFor(
      `Alertmanager to hold the lag alert of ${topic}/0 as inhibited`,
      async () =>
        (await alertmanagerAlerts(alertmanagerUrl)).some(
          (a) =>
            a.labels.alertname === 'AdxConsumerLagGrowing' &&
            a.labels.topic === topic &&
            a.status.state === 'suppressed' &&
            a.status.inhibitedBy.length > 0,
        ),
      ALERT_TIMEOUT_MS,
      () => '',
      1000,
    );

    consumer.resume();
    const resolve = await waitForPage('the stall resolve', () =>
      pages('AdxIngestionStalled', 'resolve').find((e) => e.dedup_key === trigger.dedup_key),
    );
    expect(resolve.routing_key).toBe(ROUTING_KEY);
    const lagWarnings = receiver.warnings.flatMap((w) =>
      w.alerts.filter(
        (a) => a.labels.alertname === 'AdxConsumerLagGrowing' && a.labels.topic === topic,
      ),
    );
    expect(lagWarnings).toEqual([]);
  }, 600_000);

  it('answers every dashboard panel: Prometheus queries with data, SQL as adx_analyst with rows', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await checkDashboardAgainst({ prometheusUrl, exposition: metrics, databaseUrl: database.url });
  }, 180_000);
});
