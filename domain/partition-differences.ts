import type { ClockData, PartitionContent } from './partition-snapshot';

/**
 * How a group's state rebuilt from its changelog differs from the live one (snapshot plus the
 * entries after it), in a few short lines: the clock, then the count of each kind of content with
 * what only one side holds. Examples name event types and ids only, never a user.
 */
export function partitionDifferences(live: PartitionContent, rebuilt: PartitionContent): string[] {
  return [
    ...clockDifferences(live.clock, rebuilt.clock),
    ...setDifference('dedupe keys', live.keys, rebuilt.keys, keyLabel),
    ...setDifference('touches', live.touches, rebuilt.touches, touchLabel),
    ...setDifference('waiting clicks/conversions', live.pending, rebuilt.pending, pendingLabel),
  ];
}

/** An event time as a date; `none` before a clock has seen any (it starts at the lowest integer). */
export function timeText(ms: number): string {
  if (ms <= Number.MIN_SAFE_INTEGER) return 'none';
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function clockDifferences(live: ClockData, rebuilt: ClockData): string[] {
  const out: string[] = [];
  if (live.watermark !== rebuilt.watermark)
    out.push(`watermark: live ${timeText(live.watermark)}, rebuilt ${timeText(rebuilt.watermark)}`);
  const input = (clock: ClockData, topic: string) => clock.inputs.find((i) => i.topic === topic);
  const describe = (i: ClockData['inputs'][number] | undefined): string =>
    i ? `max event time ${timeText(i.maxEventTime)}${i.idle ? ' (idle)' : ''}` : 'absent';
  const topics = [...new Set([...live.inputs, ...rebuilt.inputs].map((i) => i.topic))].sort();
  for (const topic of topics) {
    const [a, b] = [input(live, topic), input(rebuilt, topic)];
    if (a?.maxEventTime !== b?.maxEventTime || a?.idle !== b?.idle)
      out.push(`input ${topic}: live ${describe(a)}, rebuilt ${describe(b)}`);
  }
  return out;
}

function setDifference(
  what: string,
  live: readonly string[],
  rebuilt: readonly string[],
  label: (item: string) => string,
): string[] {
  const [inLive, inRebuilt] = [new Set(live), new Set(rebuilt)];
  const onlyLive = live.filter((x) => !inRebuilt.has(x));
  const onlyRebuilt = rebuilt.filter((x) => !inLive.has(x));
  if (onlyLive.length === 0 && onlyRebuilt.length === 0 && live.length === rebuilt.length)
    return [];
  const example = (items: string[]) => (items[0] === undefined ? '' : `, e.g. ${label(items[0])}`);
  return [
    `${what}: live ${live.length}, rebuilt ${rebuilt.length} ` +
      `(${onlyLive.length} only live${example(onlyLive)}; ` +
      `${onlyRebuilt.length} only rebuilt${example(onlyRebuilt)})`,
  ];
}

/** `click:clk-1@t1,t2` → `click clk-1` */
const keyLabel = (key: string): string => {
  const colon = key.indexOf(':');
  const at = key.lastIndexOf('@');
  return `${key.slice(0, colon)} ${key.slice(colon + 1, at < 0 ? undefined : at)}`;
};

/** `kind|audience|id|time` → `kind id` (the audience names the user) */
const touchLabel = (touch: string): string => {
  const parts = touch.split('|');
  return `${parts[0] ?? ''} ${parts[parts.length - 2] ?? ''}`;
};

/** `[eventType, id, time, user, ...]` → `eventType id` */
const pendingLabel = (pending: string): string => {
  const [eventType, id] = JSON.parse(pending) as [string, string];
  return `${eventType} ${id}`;
};
