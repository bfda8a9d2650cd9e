/**
 * Lifecycle holds for admitted work: a request is authenticated and its keys are found when it
 * starts, but its cryptography may wait in a queue (a batch's items, a slow lane). Before each
 * piece of work starts, `stillStanding` checks again that the token still stands (not revoked,
 * not expired, its lineage intact: TokenStore.standing) and that the stored keys it uses still
 * exist, so a key deleted or a token revoked meanwhile stops every item that has not started.
 *
 * A token that used its last attempt on this very request still stands: the request paid for
 * itself. What the pipeline already read counts as a check: authentication (the token's attempt)
 * when the Lifecycle is made, and each key when it was found (`seen`). A passing answer stands
 * for FRESH_MS, so work that starts at once (nearly every request) costs no extra store round
 * trip, and a batch of fast items does not make one each; work that waited in a queue is checked
 * again (one EXISTS for the token's lineage, one GET per key). An item starts at most FRESH_MS
 * after a revocation or deletion was committed.
 * @module
 */
import { KeyNotFoundError } from '../keys/errors.ts';
import type { OperationContext } from './context.ts';
import { CredentialEndedError } from './errors.ts';

/** How long a passing check stands for the same request. */
export const FRESH_MS = 50;

export class Lifecycle {
  /** Authentication has just found the token standing (it used an attempt, or read it). */
  #tokenCheckedMs: number;
  readonly #keysCheckedMs = new Map<string, number>();

  constructor(private readonly ctx: Pick<OperationContext, 'principal' | 'services'>) {
    this.#tokenCheckedMs = ctx.services.clock();
  }

  /** The keys were just found in the store (the request's key lookup): as good as a check. */
  seen(keyIds: readonly string[]): void {
    const now = this.ctx.services.clock();
    for (const id of keyIds) this.#keysCheckedMs.set(id, now);
  }

  /**
   * Throws CredentialEndedError (401) when the token no longer stands, KeyNotFoundError (404)
   * when one of `keyIds` is gone; resolves otherwise.
   */
  async stillStanding(keyIds: readonly string[]): Promise<void> {
    const { principal, services } = this.ctx;
    const now = services.clock();
    const token = principal.token;
    if (token && now - this.#tokenCheckedMs > FRESH_MS) {
      if (!(await services.store.tokens.standing(token.family, token.id, token.ancestors))) throw new CredentialEndedError();
      this.#tokenCheckedMs = now;
    }
    for (const id of keyIds) {
      if (now - (this.#keysCheckedMs.get(id) ?? -Infinity) <= FRESH_MS) continue;
      if (!(await services.store.keys.get(principal.tenant, id))) throw new KeyNotFoundError('key_id', 'No key of yours has this key_id.');
      this.#keysCheckedMs.set(id, now);
    }
  }
}
