/**
 * What each crypto operation costs, per implementation, in one unit: the time of an ML-KEM-768
 * encapsulation on noble (0.41 ms on the machine measured). The scheduler (scheduler.ts) shares
 * each lane's threads between tenants by these costs and sends what costs SLOW_LANE_COST or more,
 * and all of SLH-DSA, to the slow lane; the HTTP layer can bound batches and rate limits by them.
 *
 * Measured with `npm run bench:costs` (bench/costs.ts): each operation in a loop through the
 * backend with one thread per lane, median wall time per call (the time the operation holds its
 * worker thread or libuv slot, worker round trip included); noble on Node 20.20 (the lower of two
 * runs' medians, 300 ms and 1 s per operation), native on Node 24.21 with OpenSSL 3.5.8 (one run,
 * 500 ms per operation); 2026-12-06, on a shared 2-core machine with a load average of 13 to 16
 * from other work, so absolute figures are high and a little noisy (X-Wing, ML-DSA within about
 * 2x). Only the ratios matter: an SLH-DSA "s" signature is thousands to tens of thousands of
 * ML-KEM operations on either backend, which decides the lane. Costs are frozen here, not
 * measured at start-up, so the schedule is the same on every run and every machine.
 *
 * Ops: `keygen` (random, or the public key of a seed), `prepare` (expanding a stored seed: noble
 * only, native imports inline), `encapsulate`, `decapsulate`, `sign`, `verify`, `seal` / `open`
 * (AES-256-GCM, 1 KiB; inline on both, listed so HTTP cost classes can count them).
 * @module
 */
import { isSlhDsaAlgorithm, type AlgorithmName, type Implementation } from './algorithms.ts';
import type { Lane } from './scheduler.ts';

export type CryptoOp = 'keygen' | 'prepare' | 'encapsulate' | 'decapsulate' | 'sign' | 'verify' | 'seal' | 'open';
export const AES_ALGORITHM = 'AES-256-GCM';
export type CostedAlgorithm = AlgorithmName | typeof AES_ALGORITHM;

/** An operation costing this many units or more goes to the slow lane (SLH-DSA always does). */
export const SLOW_LANE_COST = 50;
/** The least cost of any operation: inline work still counts for something in a batch budget. */
const MIN_COST = 0.01;

type Row = Readonly<Partial<Record<CryptoOp, number>>>;
type Table = Readonly<Partial<Record<CostedAlgorithm, Row>>>;

/** The unit: ms of one ML-KEM-768 encapsulation on noble, as measured. */
export const COST_UNIT_MS = 0.41;

/** Median ms per operation, from `npm run bench:costs` (see the module comment). */
export const MEASURED: Readonly<Record<Implementation, Table>> = Object.freeze({
  noble: Object.freeze({
    'ML-KEM-512': { keygen: 0.29, prepare: 0.22, encapsulate: 0.31, decapsulate: 0.3 },
    'ML-KEM-768': { keygen: 0.4, prepare: 0.32, encapsulate: 0.41, decapsulate: 0.42 },
    'ML-KEM-1024': { keygen: 0.55, prepare: 0.43, encapsulate: 0.61, decapsulate: 0.67 },
    'X-Wing': { keygen: 0.68, prepare: 0.57, encapsulate: 3, decapsulate: 2 },
    'ML-DSA-44': { keygen: 0.91, prepare: 0.9, sign: 4.7, verify: 1.1 },
    'ML-DSA-65': { keygen: 1.6, prepare: 1.5, sign: 7.7, verify: 1.7 },
    'ML-DSA-87': { keygen: 2.5, prepare: 2.5, sign: 9.1, verify: 2.5 },
    'SLH-DSA-SHA2-128s': { keygen: 543, sign: 4753, verify: 1.6 },
    'SLH-DSA-SHA2-128f': { keygen: 3, sign: 68.5, verify: 4.5 },
    'SLH-DSA-SHAKE-128s': { keygen: 4555, sign: 30286, verify: 14.7 },
    'SLH-DSA-SHAKE-128f': { keygen: 22.5, sign: 763, verify: 48.9 },
    'AES-256-GCM': { seal: 0.059, open: 0.031 },
  }),
  native: Object.freeze({
    'ML-KEM-512': { keygen: 0.042, encapsulate: 0.033, decapsulate: 0.036 },
    'ML-KEM-768': { keygen: 0.054, encapsulate: 0.036, decapsulate: 0.04 },
    'ML-KEM-1024': { keygen: 0.072, encapsulate: 0.048, decapsulate: 0.05 },
    'ML-DSA-44': { keygen: 0.1, sign: 0.37, verify: 0.12 },
    'ML-DSA-65': { keygen: 0.17, sign: 0.59, verify: 0.16 },
    'ML-DSA-87': { keygen: 0.22, sign: 0.84, verify: 0.24 },
    'SLH-DSA-SHA2-128s': { keygen: 84.2, sign: 1392, verify: 0.24 },
    'SLH-DSA-SHA2-128f': { keygen: 0.49, sign: 42.2, verify: 0.67 },
    'SLH-DSA-SHAKE-128s': { keygen: 337, sign: 2601, verify: 0.67 },
    'SLH-DSA-SHAKE-128f': { keygen: 1.3, sign: 130, verify: 1.9 },
    'AES-256-GCM': { seal: 0.013, open: 0.011 },
  }),
});

const freezeTable = (table: Table): Table =>
  Object.freeze(
    Object.fromEntries(
      Object.entries(table).map(([a, row]) => [a, Object.freeze(Object.fromEntries(Object.entries(row!).map(([op, ms]) => [op, Math.max(MIN_COST, Math.round((ms! / COST_UNIT_MS) * 100) / 100)])))]),
    ),
  );

/** Cost units per implementation, algorithm and operation: MEASURED / COST_UNIT_MS, frozen. */
export const COSTS: Readonly<Record<Implementation, Table>> = Object.freeze({ noble: freezeTable(MEASURED.noble), native: freezeTable(MEASURED.native) });

/**
 * The cost of one operation in units. Where an implementation does not serve an algorithm (X-Wing
 * on native) or an operation (native `prepare`, inline), the noble figure stands in; an
 * operation no table lists costs the least.
 */
export function costOf(algorithm: CostedAlgorithm, op: CryptoOp, implementation: Implementation): number {
  return COSTS[implementation][algorithm]?.[op] ?? COSTS.noble[algorithm]?.[op] ?? MIN_COST;
}

/**
 * Encapsulations and decapsulations that cost at most this (ms, MEASURED) run inline on the
 * calling thread, with the job's checks, instead of waiting for a slot of their lane: ML-KEM on
 * both implementations (native 0.03-0.05 ms, noble 0.3-0.7 ms). Sending one to another thread and
 * back (a libuv job or a worker task: queueing, waking the thread, structured clones, waking the
 * loop with the result) cost the process about as much CPU as the operation, and with one slot
 * per core the hand-offs left the thread idle between tasks while the loop was busy (a token's
 * Redis round trip made that gap longer: issue 19). Held this briefly, the loop is blocked no
 * longer than by parsing a large JSON body. X-Wing (X25519 on noble), signing and verification,
 * and key generation stay off the loop.
 */
export const INLINE_MAX_MS: Readonly<Record<Implementation, number>> = Object.freeze({ native: 0.1, noble: 0.7 });

/** Whether `op` of `algorithm` runs inline on `implementation` (INLINE_MAX_MS). */
export function runsInline(algorithm: CostedAlgorithm, op: CryptoOp, implementation: Implementation): boolean {
  if (op !== 'encapsulate' && op !== 'decapsulate') return false;
  const ms = MEASURED[implementation][algorithm]?.[op];
  return ms !== undefined && ms <= INLINE_MAX_MS[implementation];
}

/** The lane of an operation: slow for SLH-DSA and for whatever costs SLOW_LANE_COST or more, else fast. */
export function laneOf(algorithm: CostedAlgorithm, op: CryptoOp, implementation: Implementation): Lane {
  return isSlhDsaAlgorithm(algorithm) || costOf(algorithm, op, implementation) >= SLOW_LANE_COST ? 'slow' : 'fast';
}
