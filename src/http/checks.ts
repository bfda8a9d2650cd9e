/**
 * The brief's order of checks for one operation (a request, or one item of a batch): the stored
 * keys it names (404 when not the caller tenant's, 403 outside a token's key_ids), the scope
 * (403), validation of the rest (422), then the handler. Validation answers name every bad field.
 * @module
 */
import type { Principal, Scope } from '../auth/scopes.ts';
import { KeyForbiddenError } from '../keys/errors.ts';
import type { Trail } from './audit-trail.ts';
import { forbidden, pointerFor, type Problem, validationFailed } from './problems.ts';
import type { Route, RouteContext } from './route.ts';
import type { z } from './zod.ts';

export function authorize(principal: Principal, scope: Scope | null): void {
  if (scope && !principal.scopes.includes(scope)) {
    throw forbidden(`This credential does not have the scope ${scope}.`);
  }
}

export function zodProblem(error: z.ZodError): Problem {
  return validationFailed(
    error.issues.flatMap((issue) =>
      // An unknown field is named by its own pointer ("/foo"), not by its parent's ("/").
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ pointer: pointerFor([...issue.path, key]), detail: 'is not a field of this operation' }))
        : [{ pointer: pointerFor(issue.path), detail: issue.message }],
    ),
  );
}

/** An operation past its checks: its parsed input and the stored key it names, ready to run. */
export interface Prepared<I, K> {
  readonly input: I;
  readonly found: K | undefined;
}

/** A key refused to the credential is named in the audit entry of the refusal. */
function nameRefusedKey(trail: Trail<unknown, unknown>): (error: unknown) => never {
  return (error) => {
    if (error instanceof KeyForbiddenError) trail.keyIds = [error.keyId];
    throw error;
  };
}

/** The checks of one operation, in the brief's order: the named keys (404, 403), the scope (403), validation (422). */
export async function prepareOne<I, R, K>(route: Route<I, R, K>, raw: Record<string, unknown>, ctx: RouteContext, trail: Trail<I, R>): Promise<Prepared<I, K>> {
  let found: K | undefined;
  if (route.keys) {
    const refs = route.keys.refs.safeParse(raw);
    if (refs.success) {
      trail.namedKey = true;
      const resolved = await route.keys.resolve(refs.data, ctx).catch(nameRefusedKey(trail as Trail<unknown, unknown>));
      if (resolved) {
        trail.keyIds = resolved.keyIds;
        found = resolved.found;
        ctx.lifecycle?.seen(resolved.keyIds);
      } else {
        trail.namedKey = false;
      }
    }
  }
  authorize(ctx.principal, route.scope);
  const parsed = route.input.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error);
  trail.input = parsed.data;
  return { input: parsed.data, found };
}

/** Runs a prepared operation's handler. */
export async function runPrepared<I, R, K>(route: Route<I, R, K>, prepared: Prepared<I, K>, ctx: RouteContext, trail: Trail<I, R>): Promise<R> {
  const result = await route.handle(prepared.input, ctx, prepared.found).catch(nameRefusedKey(trail as Trail<unknown, unknown>));
  trail.result = result;
  return result;
}

/** One operation: its checks (prepareOne), then the handler. */
export async function runOne<I, R, K>(route: Route<I, R, K>, raw: Record<string, unknown>, ctx: RouteContext, trail: Trail<I, R>): Promise<R> {
  return runPrepared(route, await prepareOne(route, raw, ctx, trail), ctx, trail);
}
