/**
 * The service under test: K `adx serve` processes (the built dist/, real profile) in one consumer
 * group, each with its own ops port, sampled from /proc while they work, and asked for their
 * /metrics before they are stopped with SIGTERM (which drains and, with --cpu-prof, writes the
 * profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Ends } from './bare-consumer';
import { PostgresCpuSampler, ProcessSampler, StackCpuSampler } from './proc-stats';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Member {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  stderrTail: string;
}

export interface ServiceFigures {
  readonly cpuSeconds: number;
  readonly peakRssMB: number;
  readonly postgresCpuSeconds: { database: number; all: number };
  /** the stack's servers and the whole machine over the same span (StackCpuSampler) */
  readonly stackCpuSeconds: { byComponent: Record<string, number>; machineBusy: number };
  /** each member's /metrics text, scraped once every record was committed */
  readonly metrics: string[];
  readonly exitCodes: (number | null)[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ServiceGroup {
  private readonly sampler: ProcessSampler;
  private readonly postgres: PostgresCpuSampler;
  private readonly stack = new StackCpuSampler();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly members: Member[],
    database: string,
  ) {
    this.sampler = new ProcessSampler(members.map((m) => m.child.pid ?? -1));
    this.postgres = new PostgresCpuSampler(database);
    this.postgres.start();
    this.stack.start();
    this.timer = setInterval(() => this.sample(), 500);
  }

  static async start(
    env: Readonly<Record<string, string>>,
    instances: number,
    database: string,
    nodeArgs: readonly string[],
  ): Promise<ServiceGroup> {
    const members: Member[] = [];
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve'], {
        env: { ...process.env, ...env, ADX_HTTP_PORT: String(port) },
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const member: Member = {
        child,
        port,
        stderrTail: '',
        exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
      };
      child.stderr?.on('data', (d: Buffer) => {
        member.stderrTail = (member.stderrTail + d.toString()).slice(-4000);
      });
      members.push(member);
    }
    return new ServiceGroup(members, database);
  }

  private sample(): void {
    this.sampler.sample();
    this.postgres.sample();
  }

  private async alive(): Promise<void> {
    for (const m of this.members)
      if (m.child.exitCode !== null)
        throw new Error(`adx serve exited with ${m.child.exitCode}:\n${m.stderrTail}`);
  }

  /** every member answers /readyz (state restored, source being consumed) */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const m of this.members) {
      for (;;) {
        await this.alive();
        const ok = await fetch(`http://127.0.0.1:${m.port}/readyz`)
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`adx serve not ready in ${timeoutMs} ms`);
        await sleep(200);
      }
    }
  }

  /** Polls consumer_offsets until every topic-partition's committed position is its end. */
  async caughtUp(db: Knex, ends: Ends, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.alive();
      const rows = (await db('consumer_offsets').select(
        'topic',
        'partition',
        db.raw('next_offset::text AS next'),
      )) as { topic: string; partition: number; next: string }[];
      const at = new Map(rows.map((r) => [`${r.topic}/${r.partition}`, BigInt(r.next)]));
      if ([...ends].every(([tp, end]) => end === 0n || at.get(tp) === end)) return Date.now();
      if (Date.now() > deadline) throw new Error(`not caught up in ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** Final samples and metrics, then SIGTERM and wait for every member to exit. */
  async stop(): Promise<ServiceFigures> {
    this.sample();
    const metrics = await Promise.all(
      this.members.map((m) =>
        fetch(`http://127.0.0.1:${m.port}/metrics`)
          .then((r) => r.text())
          .catch(() => ''),
      ),
    );
    clearInterval(this.timer);
    const figures = {
      cpuSeconds: this.sampler.cpuSeconds(),
      peakRssMB: this.sampler.peakRssMB(),
      postgresCpuSeconds: this.postgres.seconds(),
      stackCpuSeconds: this.stack.stop(),
      metrics,
    };
    for (const m of this.members) m.child.kill('SIGTERM');
    const exitCodes = await Promise.all(this.members.map((m) => m.exited));
    return { ...figures, exitCodes };
  }

  /** on a failure: no member is left running (a killed member still holds its group until
   * the session timeout, so the group may outlive the cleanup) */
  async kill(): Promise<void> {
    clearInterval(this.timer);
    for (const m of this.members) if (m.child.exitCode === null) m.child.kill('SIGKILL');
    await Promise.all(this.members.map((m) => m.exited));
  }
}
