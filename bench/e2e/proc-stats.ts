/**
 * CPU time and memory of processes, read from Linux's /proc: the service children (by pid) and
 * the Postgres server processes, whose work a benchmark of the service causes but does not see in
 * its own process. Processes come and go (a Postgres backend per connection), so the samplers keep
 * the last value seen of every pid instead of reading once at the end.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process has exited
  }
}

/** user + system CPU seconds of the process so far (fields 14 and 15 of /proc/<pid>/stat) */
export function cpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // the command name (field 2) is in parentheses and may contain spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** peak (VmHWM) and current (VmRSS) resident set in MB */
export function memoryMB(pid: number): { peak: number; current: number } | undefined {
  const status = read(`/proc/${pid}/status`);
  if (!status) return undefined;
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { peak: kb('VmHWM') / 1024, current: kb('VmRSS') / 1024 };
}

/** Samples a fixed set of pids (the service children): last CPU seconds and peak RSS of each. */
export class ProcessSampler {
  private readonly cpu = new Map<number, number>();
  private readonly peak = new Map<number, number>();

  constructor(private readonly pids: readonly number[]) {}

  sample(): void {
    for (const pid of this.pids) {
      const cpu = cpuSeconds(pid);
      if (cpu !== undefined) this.cpu.set(pid, cpu);
      const mem = memoryMB(pid);
      if (mem) this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, mem.peak, mem.current));
    }
  }

  cpuSeconds(): number {
    return [...this.cpu.values()].reduce((a, b) => a + b, 0);
  }

  /** the largest peak RSS of any one process */
  peakRssMB(): number {
    return Math.max(0, ...this.peak.values());
  }
}

interface PostgresProcess {
  readonly cpu: number;
  /** the process title, e.g. `postgres: postgres adx_bench_1a2b3c4d 127.0.0.1(51234) idle` */
  readonly title: string;
}

function postgresProcesses(): Map<number, PostgresProcess> {
  const out = new Map<number, PostgresProcess>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (read(`/proc/${pid}/comm`)?.trim() !== 'postgres') continue;
    const cpu = cpuSeconds(pid);
    if (cpu === undefined) continue;
    const title = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    out.set(pid, { cpu, title });
  }
  return out;
}

/**
 * CPU seconds the Postgres processes spent between start() and the last sample(): those serving
 * the benchmark's database (its backends, by process title) and all of them (background writers,
 * WAL writer, checkpointer, and whatever other users of the shared server did meanwhile).
 */
export class PostgresCpuSampler {
  private before = new Map<number, PostgresProcess>();
  private last = new Map<number, PostgresProcess>();

  constructor(private readonly database: string) {}

  start(): void {
    this.before = postgresProcesses();
    this.last = new Map(this.before);
  }

  sample(): void {
    for (const [pid, p] of postgresProcesses()) this.last.set(pid, p);
  }

  seconds(): { database: number; all: number } {
    let database = 0;
    let all = 0;
    for (const [pid, p] of this.last) {
      const spent = p.cpu - (this.before.get(pid)?.cpu ?? 0);
      all += spent;
      if (p.title.split(' ').includes(this.database)) database += spent;
    }
    return { database, all };
  }
}

/** the stack's JVMs (ops/stack.sh marks each with -Dadx.stack=<component>@<root>), by component */
function stackProcesses(): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = read(`/proc/${entry}/cmdline`) ?? '';
    const component = /(?:^|\0)-Dadx\.stack=([a-z0-9-]+)@/.exec(cmdline)?.[1];
    const cpu = component ? cpuSeconds(Number(entry)) : undefined;
    if (component && cpu !== undefined) out.set(component, (out.get(component) ?? 0) + cpu);
  }
  return out;
}

/** busy CPU seconds of the whole machine so far: every state of /proc/stat's cpu line but idle and iowait */
function machineBusySeconds(): number {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
    TICKS_PER_SECOND
  );
}

/**
 * CPU seconds the stack's own servers (Kafka broker, S3Proxy, registry, TLS front) and the whole
 * machine spent between start() and stop(): the service's records cost them work too, and on a
 * box this size they compete with the service for the same cores.
 */
export class StackCpuSampler {
  private before = new Map<string, number>();
  private machineBefore = 0;

  start(): void {
    this.before = stackProcesses();
    this.machineBefore = machineBusySeconds();
  }

  stop(): { byComponent: Record<string, number>; machineBusy: number } {
    const byComponent: Record<string, number> = {};
    for (const [component, cpu] of stackProcesses())
      byComponent[component] = cpu - (this.before.get(component) ?? 0);
    return { byComponent, machineBusy: machineBusySeconds() - this.machineBefore };
  }
}
