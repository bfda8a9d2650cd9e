/**
 * The batch form of a route that declares `batch: true`: `{ batch_input: [item, ...] }` (at most
 * MAX_BATCH items of the single form, whose cost together is at most MAX_BATCH batch units),
 * answered `{ batch_results: [...] }` in input order, each the item's result or
 * `{ error: <problem> }`. One attempt of a token for the whole request.
 *
 * The scope is checked once, then every item's own checks (checks.ts prepareOne). Then the batch
 * is costed: an item counts `batchUnits` of its operation (1 for anything cheap; a slow one, such
 * as an SLH-DSA signature, counts what its cryptography costs), and a batch over the budget is
 * refused whole (422 naming its cost) before anything runs; what it costs is charged to the rate
 * limits, as that many requests would be. Then the items run.
 *
 * An item's client error (404, 403, 409, 422, 400) and a crypto-busy refusal are its own result;
 * an unavailable or full store, or an internal error, fails the whole request once every item has
 * finished (nothing is answered that the store could not stand behind), and what the other items
 * wrote is taken back. The batch is audited as ONE entry (audit-trail.ts writeBatch): its items'
 * keys, its item count, and whether all, some or none of the items the route records succeeded.
 * @module
 */
import type { Request, Response } from 'express';
import { refundAttempt } from '../operations/tokens.ts';
import { newTrail, trailOf, type AuditTrail, type Trail } from './audit-trail.ts';
import { authorize, prepareOne, runPrepared, type Prepared } from './checks.ts';
import { pointerFor, toProblem, validationFailed, type Problem } from './problems.ts';
import type { Route, RouteContext } from './route.ts';

/**
 * Crypto cost units per batch unit: about 10 ms of one crypto thread (crypto/costs.ts: a unit is
 * an ML-KEM-768 encapsulation on noble, 0.41 ms). Everything the fast lane does counts 1; an
 * SLH-DSA-SHAKE-128s signature counts about 3,000 on noble and 250 on native, more than a batch
 * may hold.
 */
export const COST_UNITS_PER_BATCH_UNIT = 25;

/** What one operation counts in a batch and against the rate limits: at least 1. */
export function batchUnits<I, R, K>(route: Route<I, R, K>, prepared: Prepared<I, K>, ctx: RouteContext): number {
  const cost = route.cost?.(prepared.input, prepared.found, ctx) ?? 0;
  return Math.max(1, Math.ceil(cost / COST_UNITS_PER_BATCH_UNIT));
}

/** A batch item's problem: the request's id is on the answer, not repeated in each item. */
function withoutRequestId<T extends { request_id?: string }>(body: T): Omit<T, 'request_id'> {
  const { request_id: _id, ...rest } = body;
  return rest;
}

type Outcome<R> =
  | { readonly ok: true; readonly result: R; readonly trail: Trail }
  | { readonly ok: false; readonly error: unknown; readonly problem: Problem; readonly trail: Trail };

export async function runBatch<I, R, K>(route: Route<I, R, K>, req: Request, res: Response, raw: Record<string, unknown>, ctx: RouteContext, trails: AuditTrail): Promise<void> {
  const { services } = ctx;
  const audit = route.audit;
  const max = services.config.maxBatch;
  const items = raw.batch_input;
  const extra = Object.keys(raw).filter((k) => k !== 'batch_input');
  if (extra.length > 0) throw validationFailed(extra.map((k) => ({ pointer: pointerFor(k), detail: 'is not a field of a batch request: put it in each item of batch_input' })));
  if (!Array.isArray(items) || items.length === 0 || items.length > max) {
    throw validationFailed([{ pointer: '/batch_input', detail: `must be an array of 1 to ${max} items (MAX_BATCH)` }]);
  }
  const notObjects = items.flatMap((item, i) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? [] : [{ pointer: `/batch_input/${i}`, detail: 'must be an object of the single form' }]));
  if (notObjects.length > 0) throw validationFailed(notObjects);
  authorize(ctx.principal, route.scope);
  trailOf(res).written = true; // the batch's one entry is written below

  // Every item's checks first, so that the batch can be costed before anything runs.
  const checked = await Promise.all(
    (items as Record<string, unknown>[]).map(async (item) => {
      const trail: Trail<I, R> = newTrail();
      try {
        return { trail, prepared: await prepareOne(route, { ...item }, ctx, trail) };
      } catch (error) {
        return { trail, error, problem: toProblem(error) };
      }
    }),
  );
  const fatalCheck = checked.find((c) => c.problem && c.problem.status >= 500);
  if (fatalCheck) throw fatalCheck.error;
  const units = checked.map((c) => (c.prepared ? batchUnits(route, c.prepared, ctx) : 0));
  const total = units.reduce((a, b) => a + b, 0);
  if (total > max) {
    const costliest = units.indexOf(Math.max(...units));
    throw validationFailed([
      {
        pointer: '/batch_input',
        detail: `costs ${total} batch units, more than MAX_BATCH (${max}): an item counts 1, or what its cryptography costs in units of about 10 ms of a crypto thread (item ${costliest} counts ${units[costliest]}). Send fewer items, or the costly ones as single requests.`,
      },
    ]);
  }
  // The rate limits count what the batch costs, as that many requests would (the request itself counted 1).
  if (total > 1) await services.limits.charge(ctx.principal, total - 1);

  const outcomes: Outcome<R>[] = await Promise.all(
    checked.map(async (c): Promise<Outcome<R>> => {
      if (!c.prepared) return { ok: false, error: c.error, problem: c.problem!, trail: c.trail };
      try {
        return { ok: true, result: await runPrepared(route, c.prepared, ctx, c.trail), trail: c.trail };
      } catch (error) {
        return { ok: false, error, problem: toProblem(error), trail: c.trail };
      }
    }),
  );
  // Every item has finished (none is still writing): an item the store or a bug failed fails
  // the whole request, and what the other items wrote is taken back. An item whose cryptography
  // could not start (crypto-busy) is its own result, as a client error is.
  const fatal = outcomes.find((o) => !o.ok && o.problem.status >= 500 && o.problem.type !== 'crypto-busy');
  if (fatal && !fatal.ok) {
    for (const o of outcomes) if (o.ok) await audit?.undo?.(o.result, ctx).catch(() => {});
    throw fatal.error;
  }
  // No item started: the batch was refused before anything was done, and its attempt is given back.
  if (outcomes.every((o) => !o.ok && o.problem.type === 'crypto-busy') && (route.usesAttempt ?? true)) await refundAttempt(ctx);
  if (audit) {
    try {
      await trails.writeBatch(req, outcomes.map((o) => ({ trail: o.trail, outcome: o.ok ? 'ok' : o.problem.type })), items.length);
    } catch (error) {
      if (!audit.bestEffort) {
        // As for a single request: what was given out is taken back, and nothing is answered.
        for (const o of outcomes) if (o.ok) await audit.undo?.(o.result, ctx).catch(() => {});
        throw error;
      }
    }
  }
  res.status(200).json({
    batch_results: outcomes.map((o) => (o.ok ? (route.response ? route.response.parse(o.result) : {}) : { error: withoutRequestId(o.problem.body(req.id)) })),
  });
}
