/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast and good enough for traffic shapes.
 * Deterministic across platforms because it uses only 32-bit integer arithmetic, which is what
 * makes a seed reproduce the same records byte for byte.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The draws the simulator needs, all from one seeded stream. */
export interface Random {
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [0, n) */
  below(n: number): number;
  /** integer in [min, max] */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** items with weights; weights need not sum to 1 */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const below = (n: number): number => Math.floor(next() * n);
  return {
    next,
    below,
    between: (min, max) => min + below(max - min + 1),
    chance: (probability) => next() < probability,
    pick: (items) => items[below(items.length)] as (typeof items)[number],
    weighted(items) {
      let total = 0;
      for (const [, weight] of items) total += weight;
      let r = next() * total;
      for (const [item, weight] of items) {
        r -= weight;
        if (r < 0) return item;
      }
      return (items[items.length - 1] as (typeof items)[number])[0];
    },
  };
}

/** A stable uniform draw for (seed, n): per-entity traits (a user's country) without storing them. */
export function hashUnit(seed: number, n: number): number {
  return mulberry32((Math.imul(n, 0x9e3779b1) ^ seed) >>> 0)();
}
