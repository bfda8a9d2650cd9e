/**
 * Cost-aware, fair scheduling of crypto work (issue 15, item 1): which operation runs next on the
 * worker threads (noble) or the libuv job slots (native), and which is refused.
 *
 * - Lanes. Every operation goes to a lane by its cost (costs.ts laneOf): `fast` (ML-KEM, X-Wing,
 *   ML-DSA) or `slow` (SLH-DSA, and anything whose cost reaches SLOW_LANE_COST). Each lane has its
 *   own slots, the most of its operations running at once; the backends give each lane its own
 *   threads (noble: one worker pool per lane), so slow work never holds a thread the fast lane
 *   needs. A 100-item SLH-DSA-SHAKE-128s batch fills the slow lane and nothing else.
 * - Fairness within a lane: one queue per tenant, served by deficit round robin (Shreedhar and
 *   Varghese, "Efficient fair queueing using deficit round robin", SIGCOMM 1995) weighted by
 *   cost: each round a tenant may start work worth `quantum` cost units more, so a tenant with
 *   100 costly operations queued gets the same share of the lane's time as one with a few cheap
 *   ones, and the cheap ones do not wait behind the costly ones. Rounds in which no tenant could
 *   start anything are skipped in one step (the order is the same as running them one by one).
 * - Bounds: a tenant's queued (not yet started) cost in a lane is at most `tenantQueueCost`; past
 *   it an operation is refused at once. An operation that cannot START within `queueTimeoutMs` is
 *   refused. Both refusals are CryptoBusyError (errors.ts), which the HTTP layer answers with
 *   503 and Retry-After. A tenant with nothing queued may always queue one operation, however
 *   costly (it is then bound by the deadline only).
 * - Per operation, a CryptoJob (backend.ts): its tenant, an AbortSignal that drops it from the
 *   queue (it never runs), and `beforeStart`, awaited when it reaches the front of its lane with
 *   a slot held, just before the crypto runs; if it throws, the operation fails with that error
 *   and the crypto never runs. Once started an operation runs to the end.
 *
 * Pure: no timers beyond the deadlines (cleared when a job starts or leaves), no environment, no I/O.
 * @module
 */
import type { CryptoJob } from './backend.ts';
import { CryptoBusyError } from './errors.ts';

export type Lane = 'fast' | 'slow';
export const LANES: readonly Lane[] = Object.freeze(['fast', 'slow']);

/** The tenant of work given without a CryptoJob (start-up, tests): one queue like any other. */
export const ANONYMOUS_TENANT = '';

/**
 * Default bound on a tenant's queued cost per lane: 10,000 units, about 4 s of one thread's work
 * on noble (a unit is an ML-KEM-768 encapsulation on noble, about 0.4 ms: costs.ts), near what one
 * thread gets through within the default 5 s deadline. That is thousands of fast operations, or a
 * few SLH-DSA "f" signatures; a single SLH-DSA "s" signature (tens of thousands of units on
 * noble) only when nothing else of the tenant waits.
 */
export const DEFAULT_TENANT_QUEUE_COST = 10_000;
/** Default queue deadline: an operation that has not started within 5 s is refused. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 5_000;
/** Cost a tenant may spend more each round (deficit round robin's quantum): one unit, the finest share. */
export const DEFAULT_QUANTUM = 1;

export interface CryptoSchedulerOptions {
  /** The most operations of each lane running at once (at least 1 each). */
  readonly slots: Readonly<Record<Lane, number>>;
  readonly tenantQueueCost?: number;
  readonly queueTimeoutMs?: number;
  readonly quantum?: number;
}

/** What is being scheduled: its lane and its cost in units (costs.ts). */
export interface ScheduledWork {
  readonly lane: Lane;
  readonly cost: number;
}

interface Entry {
  readonly tenant: TenantQueue;
  readonly cost: number;
  readonly job: CryptoJob | undefined;
  readonly task: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}

interface TenantQueue {
  readonly name: string;
  readonly entries: Entry[];
  queuedCost: number;
  deficit: number;
}

/** One lane: its slots, its tenants' queues and the round robin over them. */
class LaneQueue {
  running = 0;
  readonly tenants = new Map<string, TenantQueue>();
  /** The tenants with queued work, in round-robin order. */
  readonly ring: TenantQueue[] = [];
  cursor = 0;
  /** Whether ring[cursor] has had this round's quantum. */
  granted = false;
  constructor(
    readonly name: Lane,
    readonly slots: number,
  ) {}

  get queued(): number {
    return this.ring.reduce((n, t) => n + t.entries.length, 0);
  }
  get queuedCost(): number {
    return this.ring.reduce((n, t) => n + t.queuedCost, 0);
  }

  tenant(name: string): TenantQueue {
    let t = this.tenants.get(name);
    if (!t) {
      t = { name, entries: [], queuedCost: 0, deficit: 0 };
      this.tenants.set(name, t);
    }
    return t;
  }

  enqueue(entry: Entry): void {
    const t = entry.tenant;
    if (t.entries.length === 0) this.ring.push(t);
    t.entries.push(entry);
    t.queuedCost += entry.cost;
  }

  /** Takes an entry out of its queue (deadline, abort): the tenant leaves the ring when it empties. */
  remove(entry: Entry): boolean {
    const t = entry.tenant;
    const at = t.entries.indexOf(entry);
    if (at < 0) return false;
    t.entries.splice(at, 1);
    t.queuedCost -= entry.cost;
    if (t.entries.length === 0) this.leave(t);
    return true;
  }

  leave(t: TenantQueue): void {
    const at = this.ring.indexOf(t);
    if (at < 0) return;
    this.ring.splice(at, 1);
    if (at < this.cursor) this.cursor--;
    else if (at === this.cursor) this.granted = false;
    if (this.cursor >= this.ring.length) this.cursor = 0;
    t.deficit = 0; // DRR: an idle tenant keeps no credit
    if (t.queuedCost < 1e-9) t.queuedCost = 0;
    this.tenants.delete(t.name);
  }

  /** The next entry by deficit round robin, taken out of its queue; undefined when none waits. */
  next(quantum: number): Entry | undefined {
    while (this.ring.length > 0) {
      if (this.cursor >= this.ring.length) this.cursor = 0;
      const t = this.ring[this.cursor]!;
      if (!this.granted) {
        this.skipIdleRounds(quantum);
        t.deficit += quantum;
        this.granted = true;
      }
      const head = t.entries[0]!;
      if (head.cost <= t.deficit) {
        t.deficit -= head.cost;
        t.entries.shift();
        t.queuedCost -= head.cost;
        if (t.entries.length === 0) this.leave(t);
        return head;
      }
      this.cursor++;
      this.granted = false;
    }
    return undefined;
  }

  /**
   * At the start of a turn: when every tenant needs more than one more round to afford its next
   * operation, the whole rounds in which nobody could start anything are granted at once.
   */
  skipIdleRounds(quantum: number): void {
    let rounds = Infinity;
    for (const t of this.ring) rounds = Math.min(rounds, Math.ceil((t.entries[0]!.cost - t.deficit) / quantum));
    if (rounds > 1 && Number.isFinite(rounds)) for (const t of this.ring) t.deficit += (rounds - 1) * quantum;
  }
}

export interface LaneSnapshot {
  readonly slots: number;
  readonly running: number;
  readonly queued: number;
  readonly queuedCost: number;
}

export class CryptoScheduler {
  readonly #lanes: Readonly<Record<Lane, LaneQueue>>;
  readonly tenantQueueCost: number;
  readonly queueTimeoutMs: number;
  readonly #quantum: number;
  #closed = false;

  constructor(options: CryptoSchedulerOptions) {
    for (const lane of LANES) {
      const slots = options.slots[lane];
      if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`the ${lane} lane needs at least one slot, got ${slots}`);
    }
    this.#lanes = Object.freeze({ fast: new LaneQueue('fast', options.slots.fast), slow: new LaneQueue('slow', options.slots.slow) });
    this.tenantQueueCost = options.tenantQueueCost ?? DEFAULT_TENANT_QUEUE_COST;
    this.queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
    this.#quantum = options.quantum ?? DEFAULT_QUANTUM;
    if (!(this.#quantum > 0)) throw new RangeError('the quantum must be positive');
  }

  /** The slots of each lane (the backends size their worker pools by them). */
  slots(lane: Lane): number {
    return this.#lanes[lane].slots;
  }

  /**
   * Runs `task` now, on the calling thread, without a slot (costs.ts runsInline): after the job's
   * checks (jobStarts), and never once the scheduler is closed.
   */
  async inline<T>(job: CryptoJob | undefined, task: () => T): Promise<T> {
    if (this.#closed) throw new Error('the crypto scheduler is closed');
    return runInline(job, task);
  }

  /**
   * Runs `task` when its lane has a slot and its tenant's turn comes; `job.beforeStart` first.
   * @throws CryptoBusyError when the tenant's queue in the lane is full, or the operation could not
   *   start within the deadline; the signal's reason when `job.signal` fires while it waits;
   *   whatever `beforeStart` throws; whatever `task` throws.
   */
  run<T>(work: ScheduledWork, job: CryptoJob | undefined, task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the crypto scheduler is closed'));
    const signal = job?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lane = this.#lanes[work.lane];
    const tenant = lane.tenant(job?.tenant ?? ANONYMOUS_TENANT);
    const cost = Math.max(0, work.cost);
    if (tenant.entries.length > 0 && tenant.queuedCost + cost > this.tenantQueueCost) {
      return Promise.reject(
        new CryptoBusyError('tenant-queue-full', work.lane, this.#retryAfter(), `this tenant already has work worth ${Math.round(tenant.queuedCost)} cost units queued in the ${work.lane} crypto lane (at most ${this.tenantQueueCost})`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { tenant, cost, job, task, resolve: resolve as (v: unknown) => void, reject, timer: undefined, onAbort: undefined };
      lane.enqueue(entry);
      // A free slot means nothing else waits in this lane (slots are refilled as they free up).
      if (this.#startNext(lane) === entry) return; // started at once: no deadline, no listener
      entry.timer = setTimeout(() => {
        if (!lane.remove(entry)) return;
        this.#forget(entry);
        reject(new CryptoBusyError('queue-timeout', work.lane, this.#retryAfter(), `the operation could not start within ${this.queueTimeoutMs} ms in the ${work.lane} crypto lane`));
      }, this.queueTimeoutMs);
      if (signal) {
        entry.onAbort = () => {
          if (!lane.remove(entry)) return;
          this.#forget(entry);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
    });
  }

  /** How busy each lane is (for /readyz or metrics). */
  snapshot(): Readonly<Record<Lane, LaneSnapshot>> {
    const of = (l: LaneQueue): LaneSnapshot => Object.freeze({ slots: l.slots, running: l.running, queued: l.queued, queuedCost: l.queuedCost });
    return Object.freeze({ fast: of(this.#lanes.fast), slow: of(this.#lanes.slow) });
  }

  /** Refuses everything still queued and everything submitted later; what runs finishes. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const lane of LANES.map((l) => this.#lanes[l])) {
      for (const tenant of [...lane.ring]) {
        for (const entry of [...tenant.entries]) {
          lane.remove(entry);
          this.#forget(entry);
          entry.reject(new Error('the crypto scheduler is closed'));
        }
      }
    }
  }

  #retryAfter(): number {
    return Math.max(1, Math.ceil(this.queueTimeoutMs / 1000));
  }

  #forget(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.onAbort) entry.job?.signal?.removeEventListener('abort', entry.onAbort);
    entry.onAbort = undefined;
  }

  /** Starts the lane's next entry if a slot is free; returns it. */
  #startNext(lane: LaneQueue): Entry | undefined {
    if (this.#closed || lane.running >= lane.slots) return undefined;
    const entry = lane.next(this.#quantum);
    if (!entry) return undefined;
    this.#forget(entry);
    lane.running++;
    void this.#execute(lane, entry);
    return entry;
  }

  async #execute(lane: LaneQueue, entry: Entry): Promise<void> {
    try {
      const { job } = entry;
      if (job?.beforeStart) await job.beforeStart();
      job?.signal?.throwIfAborted();
      entry.resolve(await entry.task());
    } catch (error) {
      entry.reject(error);
    } finally {
      lane.running--;
      while (lane.running < lane.slots && this.#startNext(lane));
    }
  }
}

/**
 * The checks of a job whose operation needs no slot (inline AES, key imports), just before it
 * runs: a fired signal refuses it; its beforeStart runs (and may refuse it).
 */
export async function jobStarts(job: CryptoJob): Promise<void> {
  job.signal?.throwIfAborted();
  if (job.beforeStart) await job.beforeStart();
  job.signal?.throwIfAborted();
}

/** Runs an operation that needs no slot, after its job's checks (jobStarts). */
export async function runInline<T>(job: CryptoJob | undefined, task: () => T | Promise<T>): Promise<T> {
  if (job) await jobStarts(job);
  return task();
}
