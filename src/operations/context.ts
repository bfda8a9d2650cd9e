/**
 * What every operation is given besides its parsed input: who asks (the authenticated principal)
 * and the services below HTTP. Nothing here knows of Express: a route builds the context from its
 * request, a test or a sealed request (later) from whatever carries it.
 * @module
 */
import type { Principal } from '../auth/scopes.ts';
import type { Services } from '../services.ts';
import type { Lifecycle } from './lifecycle.ts';

export interface OperationContext {
  readonly principal: Principal;
  readonly services: Services;
  /** Aborted when the client has gone away: queued work for it is dropped. */
  readonly signal?: AbortSignal | undefined;
  /** Checks, before queued work starts, that the token still stands and its keys still exist. */
  readonly lifecycle?: Lifecycle | undefined;
}

/** What an operation resolved from the key-naming fields of its input (404 / 403 come from here). */
export interface Resolved<K> {
  /** The stored keys the request names, for the audit entry. */
  readonly keyIds: readonly string[];
  readonly found: K;
}
