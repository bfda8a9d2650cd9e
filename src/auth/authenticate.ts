/**
 * Who a credential stands for: `Authorization: Bearer <credential>`, where the credential is an
 * API key or a temporary token, resolved to a Principal (auth/admission.ts: counting the rate
 * limits and using a token's attempt on the way, in the order that lets dead credentials spend
 * nothing). Knows nothing of HTTP: the authentication step of every request (http/authenticate.ts)
 * calls it.
 * @module
 */
import type { RateLimitName } from '../limits/errors.ts';
import type { AdmissionOptions } from './admission.ts';

export { failsOpenWhenFull, resolvePrincipal } from './admission.ts';

/**
 * Which credentials, limits and store: see auth/admission.ts, which also says in what order the
 * limits are counted and what `failOpenWhenFull` (set it from failsOpenWhenFull(route)) skips.
 */
export interface AuthenticateOptions extends AdmissionOptions {
  /** Whether presenting a token here uses one of its attempts (false for GET /v1/tokens/current). */
  readonly usesAttempt: boolean;
  /** Told, when a token is presented where it uses an attempt, whether it was let through. */
  readonly onAttempt?: (outcome: 'used' | 'refused') => void;
  /** Told which limit refused a request (for the metrics). */
  readonly onRateLimited?: (policy: RateLimitName) => void;
}

/**
 * Longer than any API key or token we issue: refuse before hashing or parsing. The longest token
 * is an ML-DSA-87 one (a 6,170-character signature) with 64 key ids and 8 ancestors, about
 * 10,600 characters; Node's own limit on all request headers together is 16 KiB.
 */
const MAX_CREDENTIAL_LENGTH = 12_288;

export function bearerCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  const credential = match?.[1];
  return credential && credential.length <= MAX_CREDENTIAL_LENGTH ? credential : undefined;
}
