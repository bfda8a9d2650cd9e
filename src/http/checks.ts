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

/** One operation: the named keys (404, 403), the scope (403), validation (422), the handler. */
export async function runOne<I, R, K>(route: Route<I, R, K>, raw: Record<string, unknown>, ctx: RouteContext, trail: Trail<I, R>): Promise<R> {
  /** A key refused to the credential is named in the audit entry of the refusal. */
  const nameRefusedKey = (error: unknown): never => {
    if (error instanceof KeyForbiddenError) trail.keyIds = [error.keyId];
    throw error;
  };
  let found: K | undefined;
  if (route.keys) {
    const refs = route.keys.refs.safeParse(raw);
    if (refs.success) {
      trail.namedKey = true;
      const resolved = await route.keys.resolve(refs.data, ctx).catch(nameRefusedKey);
      if (resolved) {
        trail.keyIds = resolved.keyIds;
        found = resolved.found;
      } else {
        trail.namedKey = false;
      }
    }
  }
  authorize(ctx.principal, route.scope);
  const parsed = route.input.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error);
  trail.input = parsed.data;
  const result = await route.handle(parsed.data, ctx, found).catch(nameRefusedKey);
  trail.result = result;
  return result;
}

