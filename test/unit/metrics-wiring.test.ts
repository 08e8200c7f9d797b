import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../../adapters/memory/memory-event-source';
import { MemoryMetrics } from '../../adapters/memory/memory-metrics';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import type { AdEvent } from '../../domain';
import type { BatchCommitter, DeadLetter, RawRecord } from '../../ports';
import { MeteredBatchCommitter } from '../../src/metrics/metered-batch-committer';
import { MeteredEventPublisher } from '../../src/metrics/metered-event-publisher';
import { MeteredEventSource, splitTopicPartition } from '../../src/metrics/metered-event-source';
import { observeLoadFreshness } from '../../src/pipeline/load-freshness';
import { waitFor } from '../support/stack';

describe('process metrics', () => {
  it('carry the adx_ prefix once (adx_process_*, adx_nodejs_*), never adx_process_process_*', async () => {
    const text = await new PrometheusMetrics().expose();
    const names = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ')[2] as string),
    );
    expect(names).toContain('adx_process_cpu_user_seconds_total');
    expect(names).toContain('adx_process_resident_memory_bytes');
    expect(names).toContain('adx_nodejs_eventloop_lag_seconds');
    expect([...names].filter((n) => n.includes('process_process'))).toEqual([]);
    expect([...names].filter((n) => !n.startsWith('adx_'))).toEqual([]);
  });
});

describe('topic-partition keys', () => {
  it('split at the last dash, since topic names may contain dashes', () => {
    expect(splitTopicPartition('impressions-0')).toEqual({ topic: 'impressions', partition: 0 });
    expect(splitTopicPartition('adx-e2e-1a2b.clicks-12')).toEqual({
      topic: 'adx-e2e-1a2b.clicks',
      partition: 12,
    });
    expect(splitTopicPartition('nopartition')).toBeUndefined();
    expect(splitTopicPartition('clicks-x')).toBeUndefined();
  });
});

describe('MeteredEventSource', () => {
  it('reports the lag of every partition while running, and counts what each batch consumed', async () => {
    const bus = new MemoryBus(() => 0, 2);
    bus.createTopic('impressions');
    for (let i = 0; i < 5; i++) bus.produce('impressions', null, Buffer.from('{}'));
    let done = false;
    const source = new MemoryEventSource(bus, {
      topics: new Map([['impressions', 'impression']]),
      maxBatchSize: 2,
      inputComplete: () => done,
    });
    const metrics = new MemoryMetrics();
    const metered = new MeteredEventSource(source, metrics, 100);
    const lagSeen: number[] = [];
    const running = metered.run(
      async () => {
        // the first reading starts with run(), before any batch is handled: wait for it
        if (lagSeen.length === 0)
          await waitFor('the first lag reading', () => metrics.consumerLag.size > 0, 10_000);
        lagSeen.push(metrics.consumerLag.get('impressions-0') ?? -1);
      },
      { assigned: async () => [], revoked: async () => {} },
    );
    done = true;
    await running;
    expect(lagSeen[0]).toBe(5);
    expect(metrics.consumerLag.get('impressions-1')).toBe(0);
    expect(await metrics.expose()).toMatch(
      /^adx_consumer_records_total\{topic="impressions",partition="0"\} 5$/m,
    );
  });

  it('counts a lag that cannot be read as a consumer_lag error, and keeps running', async () => {
    const metrics = new MemoryMetrics();
    let stopped = false;
    const failing = {
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        stopped = true;
      },
      commit: async () => undefined,
      stop: async () => undefined,
      lag: () => Promise.reject(new Error('broker down')),
    };
    await new MeteredEventSource(failing, metrics, 100).run(async () => undefined, {
      assigned: async () => [],
      revoked: async () => {},
    });
    expect(stopped).toBe(true);
    expect(metrics.errors.get('consumer_lag')).toBeGreaterThanOrEqual(2);
  });
});

const record = (offset: string, timestamp: number): RawRecord => ({
  topic: 'clicks',
  partition: 0,
  offset,
  key: null,
  value: Buffer.from('x'),
  headers: {},
  timestamp: String(timestamp),
});

describe('MeteredEventPublisher', () => {
  const letter = (offset: string, reason: 'corrupt_payload' | 'too_large'): DeadLetter => ({
    record: record(offset, 1),
    rejection: { reason, path: '', detail: '' },
    format: 'csv',
  });

  it('counts dead letters by source topic and reason once they are written', async () => {
    const metrics = new MemoryMetrics();
    const publisher = new MeteredEventPublisher(new MemoryEventPublisher(), metrics);
    await publisher.publishDeadLetters([
      letter('1', 'corrupt_payload'),
      letter('2', 'corrupt_payload'),
      letter('3', 'too_large'),
    ]);
    const text = await metrics.expose();
    expect(text).toMatch(
      /^adx_dead_letters_total\{source_topic="clicks",reason="corrupt_payload"\} 2$/m,
    );
    expect(text).toMatch(/^adx_dead_letters_total\{source_topic="clicks",reason="too_large"\} 1$/m);
  });

  it('counts a failed publish as a publisher error and counts no dead letter', async () => {
    const metrics = new MemoryMetrics();
    const broken = {
      publishAdEvents: () => Promise.reject(new Error('broker down')),
      publishDeadLetters: () => Promise.reject(new Error('broker down')),
    };
    const publisher = new MeteredEventPublisher(broken, metrics);
    await expect(publisher.publishAdEvents([])).rejects.toThrow('broker down');
    await expect(publisher.publishDeadLetters([letter('1', 'too_large')])).rejects.toThrow();
    expect(metrics.errors.get('publisher')).toBe(2);
    expect(await metrics.expose()).not.toMatch(/adx_dead_letters_total/);
  });
});

describe('MeteredBatchCommitter', () => {
  it('counts a failed load as a warehouse_load error and passes recordsLineage through', async () => {
    const metrics = new MemoryMetrics();
    const failing: BatchCommitter = {
      recordsLineage: true,
      loadAndCommit: () => Promise.reject(new Error('warehouse down')),
    };
    const committer = new MeteredBatchCommitter(failing, metrics);
    expect(committer.recordsLineage).toBe(true);
    await expect(
      committer.loadAndCommit(
        { batchId: 'b', events: [], attributions: [], stagedKeys: [] },
        { partition: 0, epoch: 1, batchId: 'b', positions: [] },
      ),
    ).rejects.toThrow('warehouse down');
    expect(metrics.errors.get('warehouse_load')).toBe(1);
    expect(
      new MeteredBatchCommitter({ loadAndCommit: failing.loadAndCommit }, metrics).recordsLineage,
    ).toBe(false);
  });
});

describe('load freshness', () => {
  it('observes each accepted event from its event time and from its Kafka append time', async () => {
    const metrics = new MemoryMetrics();
    const committedAt = 1_000_000;
    const event = (offset: string, eventTime: number): AdEvent =>
      ({
        eventId: `e${offset}`,
        eventType: 'click',
        eventTime,
        userId: 'u',
        campaignId: 'c',
        source: { topic: 'clicks', partition: 0, offset, format: 'csv' },
      }) as AdEvent;
    observeLoadFreshness(
      metrics,
      // offset 2 has no broker timestamp (-1): it counts from event time only
      {
        kind: 'click_or_conversion',
        records: [record('0', 990_000), record('1', 995_000), record('2', -1)],
      },
      [event('0', 900_000), event('1', 960_000), event('2', 980_000)],
      committedAt,
    );
    const text = await metrics.expose();
    expect(text).toMatch(
      /^adx_freshness_seconds_count\{source="click_or_conversion",origin="event_time"\} 3$/m,
    );
    expect(text).toMatch(
      /^adx_freshness_seconds_sum\{source="click_or_conversion",origin="event_time"\} 160$/m,
    );
    expect(text).toMatch(
      /^adx_freshness_seconds_count\{source="click_or_conversion",origin="kafka_append"\} 2$/m,
    );
    expect(text).toMatch(
      /^adx_freshness_seconds_sum\{source="click_or_conversion",origin="kafka_append"\} 15$/m,
    );
  });
});
