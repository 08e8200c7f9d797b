import type { TrafficMix } from './options';
import type { Random } from './prng';
import { Schedule } from './schedule';
import type { SimBidRequest, SimClick, SimConversion, SimEvent, SimImpression } from './sim-events';
import type { User, World } from './world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** How long after its cause a follow-up happens: a mixture of uniform ranges, in ms. */
type Delay = readonly (readonly [min: number, max: number, weight: number])[];

const IMPRESSION_AFTER_WIN: Delay = [[20, 800, 1]];
const CLICK_AFTER_IMPRESSION: Delay = [
  [2 * SECOND, 30 * SECOND, 0.7],
  [30 * SECOND, 5 * MINUTE, 0.3],
];
const CONVERSION_AFTER_CLICK: Delay = [
  [30 * SECOND, 5 * MINUTE, 0.4],
  [5 * MINUTE, HOUR, 0.45],
  [HOUR, 6 * HOUR, 0.15],
];
const CONVERSION_AFTER_VIEW: Delay = [
  [MINUTE, 30 * MINUTE, 0.5],
  [30 * MINUTE, 20 * HOUR, 0.5],
];
/** how far behind its event time a late record arrives: inside the pipeline's 10 min lateness */
export const LATE_BY: Delay = [[SECOND, 5 * MINUTE, 1]];

export function drawDelay(random: Random, delay: Delay): number {
  const [min, max] = random.weighted(delay.map((range) => [range, range[2]] as const));
  return random.between(min, max);
}

/** "23.40", sometimes "49" or "12.5": the decimal text advertisers send, and its exact micros */
function revenue(random: Random): { readonly text: string; readonly micros: number } {
  const cents = random.between(199, 25_000);
  const style = random.next();
  if (style < 0.1) {
    const units = Math.max(1, Math.round(cents / 100));
    return { text: String(units), micros: units * 1_000_000 };
  }
  if (style < 0.2) {
    const dimes = Math.round(cents / 10);
    return { text: `${Math.floor(dimes / 10)}.${dimes % 10}`, micros: dimes * 100_000 };
  }
  return {
    text: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    micros: cents * 10_000,
  };
}

/** Ids carry the seed and a per-type counter: unique by construction, never by luck. */
export class IdSource {
  private readonly counters = new Map<string, number>();
  constructor(private readonly tag: string) {}
  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}-${this.tag}-${n}`;
  }
}

/** Builders of single events; they draw from `random` but schedule nothing. */
export class EventFactory {
  constructor(
    private readonly random: Random,
    private readonly world: World,
    private readonly mix: TrafficMix,
  ) {}

  auction(id: string, time: number, user: User): SimBidRequest {
    const { random, world, mix } = this;
    const campaign = world.randomCampaign(random);
    const publisher = world.randomPublisher(random);
    const floorMicros = Math.round(publisher.floorMicros * (0.8 + 0.4 * random.next()));
    const bids = random.chance(mix.bidRate);
    const bidPriceMicros = bids
      ? Math.max(
          floorMicros,
          Math.round(floorMicros * campaign.aggressiveness * (0.9 + 0.4 * random.next())),
        )
      : undefined;
    const won =
      bidPriceMicros !== undefined &&
      random.chance(mix.bidRate > 0 ? mix.winRate / mix.bidRate : 0);
    return {
      kind: 'bid_request',
      id,
      time,
      userId: user.id,
      campaignId: campaign.id,
      publisherId: publisher.id,
      device: user.device,
      country: user.country,
      adId: random.pick(campaign.ads),
      floorMicros,
      ...(bidPriceMicros !== undefined ? { bidPriceMicros } : {}),
      won,
      ...(won ? { winPriceMicros: random.between(floorMicros, bidPriceMicros as number) } : {}),
      ...(random.chance(0.1) ? { dealId: `deal-${campaign.id}-${random.between(1, 3)}` } : {}),
    };
  }

  /** the impression served for a won auction */
  impressionFor(bid: SimBidRequest, id: string, time: number): SimImpression {
    return {
      kind: 'impression',
      id,
      time,
      userId: bid.userId,
      campaignId: bid.campaignId,
      publisherId: bid.publisherId,
      device: bid.device,
      country: bid.country,
      adId: bid.adId,
      winPriceMicros: bid.winPriceMicros ?? bid.floorMicros,
      bidRequestId: bid.id,
      placementId: `plc-${this.random.between(1, 6)}`,
    };
  }

  /** direct-sold inventory: an impression with no auction on our side */
  directImpression(id: string, time: number, user: User): SimImpression {
    const { random, world } = this;
    const campaign = world.randomCampaign(random);
    return {
      kind: 'impression',
      id,
      time,
      userId: user.id,
      campaignId: campaign.id,
      publisherId: world.randomPublisher(random).id,
      device: user.device,
      country: user.country,
      adId: random.pick(campaign.ads),
      winPriceMicros: random.between(300, 6_000),
      placementId: `plc-${random.between(1, 6)}`,
    };
  }

  clickOn(impression: SimImpression, id: string, time: number): SimClick {
    const { userId, campaignId, publisherId, device, country, adId } = impression;
    const explicit = this.random.chance(this.mix.explicitImpressionRate);
    return {
      kind: 'click',
      id,
      time,
      userId,
      campaignId,
      publisherId,
      device,
      country,
      adId,
      ...(explicit ? { impressionId: impression.id } : {}),
    };
  }

  conversionAfter(cause: SimClick | SimImpression, id: string, time: number): SimConversion {
    const { userId, campaignId, publisherId, device, country, adId } = cause;
    const value = revenue(this.random);
    return {
      kind: 'conversion',
      id,
      time,
      userId,
      campaignId,
      publisherId,
      device,
      country,
      adId,
      revenue: value.text,
      revenueMicros: value.micros,
    };
  }
}

export interface Scheduled {
  readonly event: SimEvent;
  /** sent after its event time by more than the usual jitter (out of order on purpose) */
  readonly late: boolean;
}

/**
 * The causal chain of ad traffic: auctions (some won → an impression), direct-sold impressions,
 * clicks on impressions, conversions after clicks or views. Primary events happen "now";
 * follow-ups are scheduled for later and come out of `due` when their time has come.
 */
export class Funnel {
  private readonly schedule = new Schedule<Scheduled>();
  /** chance that a primary event is an auction, so the emitted mix meets the target shares */
  private readonly auctionShare: number;

  constructor(
    private readonly random: Random,
    private readonly world: World,
    private readonly mix: TrafficMix,
    private readonly ids: IdSource,
    private readonly factory: EventFactory,
    private readonly lateRate: number,
  ) {
    // a share q of auctions also yields q × winRate impressions, so solve q / (q·w + 1 − q) = b / i
    const { bidRequests: b, impressions: i, winRate: w } = mix;
    this.auctionShare = Math.min(1, b / (i + b * (1 - w)));
  }

  get pending(): number {
    return this.schedule.size;
  }

  due(now: number): Scheduled | undefined {
    return this.schedule.popDue(now);
  }

  primary(time: number): SimEvent {
    const { random, world, factory, ids } = this;
    const user = world.randomUser(random);
    if (random.chance(this.auctionShare)) {
      const bid = factory.auction(ids.next('br'), time, user);
      if (bid.won)
        this.later(bid.time, IMPRESSION_AFTER_WIN, (t) =>
          this.impressionFollowed(factory.impressionFor(bid, ids.next('imp'), t)),
        );
      return bid;
    }
    return this.impressionFollowed(factory.directImpression(ids.next('imp'), time, user));
  }

  /** schedules what an impression leads to, then returns it */
  private impressionFollowed(impression: SimImpression): SimImpression {
    const { random, mix, factory, ids } = this;
    if (random.chance(mix.clickThroughRate)) {
      this.later(impression.time, CLICK_AFTER_IMPRESSION, (t) => {
        const click = factory.clickOn(impression, ids.next('clk'), t);
        if (random.chance(mix.clickConversionRate)) {
          this.later(t, CONVERSION_AFTER_CLICK, (ct) =>
            factory.conversionAfter(click, ids.next('cnv'), ct),
          );
        }
        return click;
      });
    }
    if (random.chance(mix.viewThroughRate)) {
      this.later(impression.time, CONVERSION_AFTER_VIEW, (t) =>
        factory.conversionAfter(impression, ids.next('cnv'), t),
      );
    }
    return impression;
  }

  /**
   * Builds the follow-up now (so the random stream does not depend on when it is emitted) and
   * queues it for its arrival: its event time, or a little later when it is sent out of order.
   */
  private later(after: number, delay: Delay, build: (time: number) => SimEvent): void {
    const event = build(after + drawDelay(this.random, delay));
    const lateness = this.random.chance(this.lateRate) ? drawDelay(this.random, LATE_BY) : 0;
    this.schedule.push(event.time + lateness, { event, late: lateness > 0 });
  }
}
