import type { DeviceType } from '../../domain';
import { hashUnit, type Random } from './prng';
import type { ResolvedOptions } from './options';

/** The advertisers, sellers and audience the traffic is about; fixed for a seed. */
export interface Campaign {
  readonly id: string;
  readonly ads: readonly string[];
  /** bids are the floor times this, so some campaigns win more than others */
  readonly aggressiveness: number;
}

export interface Publisher {
  readonly id: string;
  /** typical floor price, micros per impression */
  readonly floorMicros: number;
}

export interface User {
  readonly id: string;
  readonly device: DeviceType;
  readonly country: string;
}

export interface World {
  readonly campaigns: readonly Campaign[];
  readonly publishers: readonly Publisher[];
  /** a user, with heavy users more likely (activity is skewed, as in real traffic) */
  randomUser(random: Random): User;
  /** campaigns get unequal shares of traffic, as budgets do */
  randomCampaign(random: Random): Campaign;
  randomPublisher(random: Random): Publisher;
}

const COUNTRIES: readonly (readonly [string, number])[] = [
  ['US', 35],
  ['IN', 10],
  ['GB', 8],
  ['DE', 8],
  ['FR', 6],
  ['BR', 6],
  ['JP', 5],
  ['CA', 5],
  ['AU', 4],
  ['ES', 4],
  ['IT', 3],
  ['MX', 3],
  ['NL', 3],
];

const DEVICES: readonly (readonly [DeviceType, number])[] = [
  ['mobile', 55],
  ['desktop', 30],
  ['tablet', 8],
  ['ctv', 5],
  ['other', 2],
];

/**
 * Real publisher names carry commas, quotes, apostrophes and non-ASCII text; these valid ids make
 * sure every layer (CSV quoting, SQL parameters, UTF-8 handling) carries them intact.
 */
const AWKWARD_PUBLISHERS = new Map<number, string>([
  [7, 'pub-007 "Daily, News"'],
  [13, "pub-013 O'Reilly'); DROP TABLE fact_impression;--"],
  [21, 'pub-021 Nachrichten 📰'],
  [33, 'pub-033 ünïcødé \\ back'],
]);

function pickByUnit<T>(items: readonly (readonly [T, number])[], unit: number): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = unit * total;
  for (const [item, weight] of items) {
    r -= weight;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as (typeof items)[number])[0];
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function createWorld(options: ResolvedOptions, random: Random): World {
  const campaigns: Campaign[] = Array.from({ length: options.campaigns }, (_, c) => ({
    id: `cmp-${pad(c + 1, 3)}`,
    ads: Array.from({ length: random.between(2, 5) }, (_, a) => `ad-${pad(c + 1, 3)}-${a + 1}`),
    aggressiveness: 1.05 + random.next() * 1.2,
  }));
  const campaignWeights = campaigns.map((c, i) => [c, 1 / (i + 1) + 0.2] as const);
  const publishers: Publisher[] = Array.from({ length: options.publishers }, (_, p) => ({
    id: AWKWARD_PUBLISHERS.get(p + 1) ?? `pub-${pad(p + 1, 3)}`,
    floorMicros: random.between(200, 2_500),
  }));
  const traitSeed = random.below(0x7fffffff);
  // filled as users appear; traits are derived from the index, so the array is only a cache
  const users = new Array<User | undefined>(options.users);
  const user = (index: number): User =>
    (users[index] ??= {
      id: `user-${pad(index, 6)}`,
      device: pickByUnit(DEVICES, hashUnit(traitSeed, 2 * index)),
      country: pickByUnit(COUNTRIES, hashUnit(traitSeed, 2 * index + 1)),
    });
  return {
    campaigns,
    publishers,
    // squaring a uniform draw skews toward low indexes: a few heavy users, a long tail
    randomUser: (r) => user(Math.floor(r.next() ** 2 * options.users)),
    randomCampaign: (r) => r.weighted(campaignWeights),
    randomPublisher: (r) => r.pick(publishers),
  };
}
