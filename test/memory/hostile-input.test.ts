import type { MemoryBus } from '../../adapters/memory/memory-bus';
import type { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { buildContainer, EMBEDDED, SERVICE } from '../../src/container/container';
import { loadConfig } from '../../src/config/config';
import { registerContracts } from '../../src/contracts/register-contracts';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { TOKENS } from '../../ports';

/** Garbage on every source topic: the service must reject each record with a reason and keep running. */
describe('hostile input never crashes the service and never disappears', () => {
  it('turns every garbage record into a counted dead letter', async () => {
    const config = loadConfig({ ADX_HTTP_PORT: '0', ADX_WAREHOUSE: 'memory' });
    let fed = false;
    const container = await buildContainer(config, { inputComplete: () => fed });
    await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
    const bus = container.get<MemoryBus>(EMBEDDED.Bus);
    const garbage: Buffer[] = [
      Buffer.from('{"impression_id": "x", '),
      Buffer.from('null'),
      Buffer.from('[1,2,3]'),
      Buffer.from('"just a string"'),
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      Buffer.from('\u0000\u0001\u0002'),
      Buffer.from('a,b,c'),
      Buffer.from('"unterminated,quote\n'),
      Buffer.from([0x00, 0x00, 0x00, 0x00, 0x63, 0x02]),
      Buffer.from([0x00, 0x7f, 0xff, 0xff, 0xff, 0x01]),
      Buffer.alloc(0),
      Buffer.alloc(200_000, 0x41),
      Buffer.from('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
      Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`),
    ];
    let produced = 0;
    for (const topic of [
      config.topics.impressions,
      config.topics.clicks,
      config.topics.bidRequests,
    ]) {
      for (const value of garbage) {
        bus.produce(topic, `user-${produced}`, value);
        produced++;
      }
      bus.produce(topic, null, null);
      produced++;
    }
    fed = true;
    const service = container.get<PipelineService>(SERVICE);
    await service.start();
    await service.finished();
    const publisher = container.get<MemoryEventPublisher>(TOKENS.EventPublisher);
    expect(service.totals.received).toBe(produced);
    expect(service.totals.rejected).toBe(produced);
    expect(publisher.deadLetters).toHaveLength(produced);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(service.status).toBe('stopped');
  });
});
