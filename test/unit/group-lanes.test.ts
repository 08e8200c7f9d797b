import fc from 'fast-check';
import { GroupLanes } from '../../src/pipeline/group-lanes';

/** a unit of work that records when it started and ended, and ends when the test says */
function recorder() {
  const log: string[] = [];
  const gates = new Map<string, () => void>();
  const unit = (name: string) => () =>
    new Promise<string>((resolve) => {
      log.push(`start ${name}`);
      gates.set(name, () => {
        log.push(`end ${name}`);
        resolve(name);
      });
    });
  const open = async (name: string) => {
    for (let i = 0; i < 20 && !gates.has(name); i++) await Promise.resolve();
    const gate = gates.get(name);
    if (!gate) throw new Error(`${name} has not started: ${log.join(', ')}`);
    gate();
    await Promise.resolve();
  };
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { log, unit, open, flush };
}

describe('GroupLanes', () => {
  it("runs a group's units one at a time, in order, and other groups' alongside", async () => {
    const lanes = new GroupLanes();
    const r = recorder();
    const a1 = lanes.run(0, r.unit('a1'));
    const a2 = lanes.run(0, r.unit('a2'));
    const b1 = lanes.run(1, r.unit('b1'));
    await r.flush();
    expect(r.log).toEqual(['start a1', 'start b1']);
    await r.open('b1');
    await r.open('a1');
    await r.flush();
    expect(r.log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2']);
    await r.open('a2');
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
  });

  it('a hand-over waits for every unit in flight and holds back the ones queued after it', async () => {
    const lanes = new GroupLanes();
    const r = recorder();
    void lanes.run(0, r.unit('a1'));
    void lanes.run(1, r.unit('b1'));
    const handOver = lanes.all(r.unit('all'));
    void lanes.run(2, r.unit('c1'));
    await r.flush();
    expect(r.log).toEqual(['start a1', 'start b1']);
    await r.open('a1');
    await r.open('b1');
    await r.flush();
    expect(r.log.slice(-1)).toEqual(['start all']);
    await r.open('all');
    await handOver;
    await r.flush();
    expect(r.log.slice(-1)).toEqual(['start c1']);
    await r.open('c1');
  });

  it('a failed unit rejects its caller only; the lane goes on', async () => {
    const lanes = new GroupLanes();
    const failed = lanes.run(0, () => Promise.reject(new Error('boom')));
    const next = lanes.run(0, () => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    await expect(lanes.all(() => Promise.reject(new Error('hand-over')))).rejects.toThrow();
    await expect(lanes.run(1, () => Promise.resolve(1))).resolves.toBe(1);
  });

  it('never overlaps two units of one group, nor a hand-over with any unit (random schedules)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ group: fc.option(fc.integer({ min: 0, max: 3 })), ticks: fc.nat(5) }),
          {
            maxLength: 30,
          },
        ),
        async (units) => {
          const lanes = new GroupLanes();
          const running = new Map<number | 'all', number>();
          const order: number[][] = [[], [], [], []];
          let everything = 0;
          const violations: string[] = [];
          const body = (key: number | 'all', ticks: number) => async () => {
            const busy = [...running.values()].reduce((n, c) => n + c, 0);
            if (key === 'all' ? busy > 0 : (running.get(key) ?? 0) > 0 || everything > 0)
              violations.push(`overlap at ${String(key)}`);
            running.set(key, (running.get(key) ?? 0) + 1);
            if (key === 'all') everything++;
            for (let i = 0; i < ticks; i++) await Promise.resolve();
            running.set(key, (running.get(key) ?? 1) - 1);
            if (key === 'all') everything--;
          };
          const done = units.map((u, i) => {
            if (u.group === null) return lanes.all(body('all', u.ticks));
            const group = u.group;
            return lanes.run(group, async () => {
              order[group]?.push(i);
              await body(group, u.ticks)();
            });
          });
          await Promise.all(done);
          expect(violations).toEqual([]);
          for (const seen of order) expect(seen).toEqual([...seen].sort((x, y) => x - y));
        },
      ),
    );
  });
});
