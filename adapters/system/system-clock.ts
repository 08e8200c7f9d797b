import type { Clock } from '../../ports';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}
