/**
 * The embedded counters (see memory.ts): one map entry per live window in this process. Each
 * method body that does not await is atomic, as the Redis scripts are. Windows that ended are
 * ignored on read and swept with the store's other expired entries.
 * @module
 */
import { checkCount, type CounterCharge, type CounterHit, type CounterReservation, type Counters } from './counters.ts';
import { systemClock, type Clock } from './store.ts';

interface Window {
  count: number;
  /** When the window ends, ms since the epoch. */
  endsAtMs: number;
}

export class MemoryCounters implements Counters {
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async hit(key: string, points: number, limit: number, windowSeconds: number): Promise<CounterHit> {
    return this.hitNow(key, points, limit, windowSeconds);
  }

  /** hit, synchronously: for the token store's admission, which counts and uses an attempt in one step. */
  hitNow(key: string, points: number, limit: number, windowSeconds: number): CounterHit {
    checkCount('points', points);
    checkCount('limit', limit);
    const now = this.#clock();
    const window = this.#window(key, windowSeconds, now);
    const resetMs = window.endsAtMs - now;
    if (window.count + points > limit) return { allowed: false, remaining: Math.max(0, limit - window.count), resetMs };
    window.count += points;
    this.#windows.set(key, window);
    return { allowed: true, remaining: limit - window.count, resetMs };
  }

  async reserve(key: string, points: number, limit: number, windowSeconds: number): Promise<CounterReservation> {
    checkCount('points', points);
    checkCount('limit', limit);
    const now = this.#clock();
    const window = this.#window(key, windowSeconds, now);
    const granted = Math.max(0, Math.min(points, limit - window.count));
    if (granted > 0) {
      window.count += granted;
      this.#windows.set(key, window);
    }
    return { granted, remaining: Math.max(0, limit - window.count), resetMs: window.endsAtMs - now };
  }

  async charge(key: string, points: number, windowSeconds: number): Promise<CounterCharge> {
    checkCount('points', points);
    const now = this.#clock();
    const window = this.#window(key, windowSeconds, now);
    window.count += points;
    this.#windows.set(key, window);
    return { count: window.count, resetMs: window.endsAtMs - now };
  }

  async refund(key: string, points: number): Promise<void> {
    checkCount('points', points);
    const window = this.#windows.get(key);
    if (window && window.endsAtMs > this.#clock()) window.count = Math.max(0, window.count - points);
  }

  /** Drops the windows that have ended. */
  sweep(): void {
    const now = this.#clock();
    for (const [key, window] of this.#windows) if (window.endsAtMs <= now) this.#windows.delete(key);
  }

  /** The key's current window, or a new empty one (not yet stored: a refused hit stores nothing). */
  #window(key: string, windowSeconds: number, now: number): Window {
    checkCount('windowSeconds', windowSeconds);
    const window = this.#windows.get(key);
    if (window && window.endsAtMs > now) return window;
    return { count: 0, endsAtMs: now + windowSeconds * 1000 };
  }
}
