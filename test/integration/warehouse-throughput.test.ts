/** Bulk-load throughput of one 10,000-event batch (COPY), printed for the README and reports. */
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

const EVENTS = 10_000;

describe.each(ENGINES)('load throughput on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'throughput');
  });
  afterAll(() => harness?.close());

  it(`loads a ${EVENTS}-event batch in one transaction`, async () => {
    const warehouse = new SqlWarehouse(harness.knex);
    const [warmUp, batch] = sampleBatches(`tp-${engine}`, 2, EVENTS);
    await warehouse.loadBatch({ ...warmUp!, events: warmUp!.events.slice(0, 100) });
    const started = process.hrtime.bigint();
    const result = await warehouse.loadBatch(batch!);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(result).toEqual({ loaded: true, rows: EVENTS });
    console.log(
      `${engine}: ${EVENTS} events (+${batch!.attributions.length} attributions) loaded in ` +
        `${seconds.toFixed(3)} s = ${Math.round(EVENTS / seconds)} rows/s`,
    );
  });
});
