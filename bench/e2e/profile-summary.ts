/**
 * Summarizes V8 CPU profiles (.cpuprofile, from `node --cpu-prof`): self time per function (top
 * 25) and per area of the code (kafkajs, pg/knex, aws-sdk, avsc, zod, domain, codecs, lineage, GC,
 * idle, ...). Self time is the sum of the sampling intervals whose sample landed in the function.
 *   node dist/bench/e2e/profile-summary.js <file.cpuprofile | directory> [...]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** first match wins: dependencies before our own directories, since both sit under the root */
const AREAS: readonly [string, RegExp][] = [
  // publishing the ad events (encoding, partitioning) vs fetching the source records
  ['kafkajs producer', /node_modules\/kafkajs\/src\/(producer|protocol\/requests\/produce)\//],
  ['kafkajs consumer', /node_modules\/kafkajs\/src\/(consumer|protocol\/requests\/fetch)\//],
  ['kafkajs shared (records, crc, long, network)', /node_modules\/(kafkajs|@kafkajs)\//],
  ['pg/knex', /node_modules\/(pg|pg-[a-z-]+|knex|tarn|postgres-[a-z-]+)\//],
  ['aws-sdk', /node_modules\/(@aws-sdk|@smithy|@aws-crypto|fast-xml-parser)\//],
  ['avsc', /node_modules\/avsc\//],
  ['zod', /node_modules\/zod\//],
  ['csv', /node_modules\/csv-[a-z]+\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['other dependencies', /node_modules\//],
  ['domain', /\/dist\/domain\//],
  ['codecs', /\/dist\/adapters\/codecs\//],
  ['lineage', /\/dist\/(adapters|src)\/lineage\//],
  ['warehouse adapters', /\/dist\/adapters\/(warehouse|postgres)\//],
  ['pipeline', /\/dist\/src\/(pipeline|metrics)\//],
  ['other adapters', /\/dist\/adapters\//],
  ['other service code', /\/dist\//],
  ['zlib (gzip of staged files)', /^node:zlib$/],
  ['node module loading', /^node:internal\/modules\//],
  ['node internals (buffers, streams, sockets, natives)', /^node:|^internal\/|^$/],
];

function areaOf(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program (V8, native)';
  if (name === '(root)') return 'root';
  for (const [area, pattern] of AREAS) if (pattern.test(frame.url)) return area;
  return 'other';
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const d = url.indexOf('/dist/');
  return d >= 0 ? url.slice(d + '/dist/'.length) : url;
}

const UNOWNED = /^(node |program|other$|root$)/;

/** node id → area of the node, or of its nearest ancestor whose area is not node's own code */
function callerAreas(nodes: readonly ProfileNode[]): Map<number, string> {
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = out.get(id);
    if (known) return known;
    const node = byId.get(id);
    const own = node ? areaOf(node.callFrame) : 'other';
    const up = parent.get(id);
    let area = UNOWNED.test(own) && up !== undefined ? resolve(up) : own;
    // kafkajs' record encoding, CRCs and sockets serve both directions: charge them to the one
    // that called them
    if (own.startsWith('kafkajs shared') && up !== undefined) {
      const caller = resolve(up);
      if (caller === 'kafkajs producer' || caller === 'kafkajs consumer') area = caller;
    }
    out.set(id, area === 'root' ? own : area);
    return out.get(id) as string;
  };
  for (const n of nodes) resolve(n.id);
  return out;
}

export interface ProfileSummary {
  readonly totalSeconds: number;
  readonly areas: { area: string; seconds: number; percent: number }[];
  /** the same, with node internals and natives charged to the nearest caller in an area of ours */
  readonly areasByCaller: { area: string; seconds: number; percent: number }[];
  readonly top: { fn: string; where: string; area: string; seconds: number; percent: number }[];
}

export function summarizeProfiles(paths: readonly string[], topN = 25): ProfileSummary {
  return summarizeCpuProfiles(
    paths.map((path) => JSON.parse(readFileSync(path, 'utf8')) as CpuProfile),
    topN,
  );
}

export function summarizeCpuProfiles(profiles: readonly CpuProfile[], topN = 25): ProfileSummary {
  const byFunction = new Map<string, { fn: string; where: string; area: string; us: number }>();
  const byArea = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const owner = callerAreas(profile.nodes);
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      const frame = nodes.get(id)?.callFrame;
      if (!frame || us <= 0) return;
      total += us;
      const area = areaOf(frame);
      byArea.set(area, (byArea.get(area) ?? 0) + us);
      const charged = owner.get(id) ?? area;
      byCaller.set(charged, (byCaller.get(charged) ?? 0) + us);
      const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
      const key = `${frame.functionName}@${where}`;
      const entry = byFunction.get(key) ?? {
        fn: frame.functionName || '(anonymous)',
        where,
        area,
        us: 0,
      };
      entry.us += us;
      byFunction.set(key, entry);
    });
  }
  const pct = (us: number) => Number(((100 * us) / Math.max(1, total)).toFixed(1));
  const sec = (us: number) => Number((us / 1e6).toFixed(2));
  return {
    totalSeconds: sec(total),
    areas: [...byArea]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, seconds: sec(us), percent: pct(us) })),
    areasByCaller: [...byCaller]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, seconds: sec(us), percent: pct(us) })),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({
        fn: e.fn,
        where: e.where,
        area: e.area,
        seconds: sec(e.us),
        percent: pct(e.us),
      })),
  };
}

/** every .cpuprofile in a directory, or the files themselves */
export function profileFiles(args: readonly string[]): string[] {
  return args.flatMap((arg) =>
    statSync(arg).isDirectory()
      ? readdirSync(arg)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(arg, f))
      : [arg],
  );
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`profile: ${summary.totalSeconds} s sampled`, '', 'by area (self time):'];
  for (const a of summary.areas)
    lines.push(
      `  ${a.percent.toFixed(1).padStart(5)}%  ${a.seconds.toFixed(2).padStart(8)} s  ${a.area}`,
    );
  lines.push('', 'by area, node internals charged to their caller:');
  for (const a of summary.areasByCaller)
    lines.push(
      `  ${a.percent.toFixed(1).padStart(5)}%  ${a.seconds.toFixed(2).padStart(8)} s  ${a.area}`,
    );
  lines.push('', `top ${summary.top.length} functions (self time):`);
  for (const f of summary.top)
    lines.push(
      `  ${f.percent.toFixed(1).padStart(5)}%  ${f.seconds.toFixed(2).padStart(8)} s  ${f.fn}  [${f.area}] ${f.where}`,
    );
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const files = profileFiles(process.argv.slice(2));
  if (files.length === 0) {
    process.stderr.write('usage: profile-summary <file.cpuprofile | directory> [...]\n');
    process.exit(2);
  }
  process.stdout.write(formatSummary(summarizeProfiles(files)));
}
