/**
 * The batch form of a route that declares `batch: true`: `{ batch_input: [item, ...] }` (at most
 * MAX_BATCH items of the single form), answered `{ batch_results: [...] }` in input order, each
 * the item's result or `{ error: <problem> }`. One attempt of a token for the whole request.
 *
 * The scope is checked once, then each item runs as the single form would (checks.ts runOne).
 * An item's client error (404, 403, 409, 422, 400) is its own result; an unavailable or full
 * store, or an internal error, fails the whole request once every item has finished (nothing is
 * answered that the store could not stand behind), and what the other items wrote is taken back.
 * The batch is audited as ONE entry (audit-trail.ts writeBatch): its items' keys, its item count,
 * and whether all, some or none of the items the route records succeeded.
 * @module
 */
import type { Request, Response } from 'express';
import { newTrail, trailOf, type AuditTrail, type Trail } from './audit-trail.ts';
import { authorize, runOne } from './checks.ts';
import { pointerFor, toProblem, validationFailed } from './problems.ts';
import type { Route, RouteContext } from './route.ts';

/** A batch item's problem: the request's id is on the answer, not repeated in each item. */
function withoutRequestId<T extends { request_id?: string }>(body: T): Omit<T, 'request_id'> {
  const { request_id: _id, ...rest } = body;
  return rest;
}

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
  trailOf(res).written = true; // entries are written per item below
  const outcomes = await Promise.all(
    (items as Record<string, unknown>[]).map(async (item, index) => {
      const trail: Trail<I, R> = newTrail();
      try {
        const result = await runOne(route, { ...item }, ctx, trail);
        return { ok: true as const, index, result, trail };
      } catch (error) {
        return { ok: false as const, index, error, problem: toProblem(error), trail };
      }
    }),
  );
  // Every item has finished (none is still writing): an item the store or a bug failed fails
  // the whole request, and what the other items wrote is taken back.
  const fatal = outcomes.find((o) => !o.ok && o.problem.status >= 500);
  if (fatal && !fatal.ok) {
    for (const o of outcomes) if (o.ok) await audit?.undo?.(o.result, ctx).catch(() => {});
    throw fatal.error;
  }
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
