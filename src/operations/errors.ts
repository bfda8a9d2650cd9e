/**
 * The named failures of the operations layer, below HTTP (http/problems.ts maps each to its
 * problem type): an input the operation cannot accept (422 naming the field), a request the
 * credential may not make (403), a key confirmation that does not match (400), a token that is not
 * there to revoke (404). The key service's own failures (keys/errors.ts), the crypto core's
 * (crypto/errors.ts) and the abuse controls' (limits/errors.ts) pass through unchanged.
 * @module
 */

/** A field that is well formed on its own but cannot serve this operation: 422 naming it. */
export class InvalidInputError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'InvalidInputError';
  }
}

/** The credential may not do this (a scope or a key it lacks, a token it cannot hand on): 403. */
export class NotAllowedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'NotAllowedError';
  }
}

/** The confirmation sent with a cipher does not match the shared key it gives: 400. */
export class KeyConfirmationError extends Error {
  constructor() {
    super('The confirmation does not match the shared key this cipher gives: the cipher was modified, or made for another key. Nothing was stored.');
    this.name = 'KeyConfirmationError';
  }
}

/** No live token that the caller may revoke has this id (answered alike whatever the reason): 404. */
export class TokenNotFoundError extends Error {
  constructor() {
    super('No live token that you may revoke has this token_id.');
    this.name = 'TokenNotFoundError';
  }
}

/**
 * The credential ended (revoked, expired, its lineage cut) after the request was admitted and
 * before its work started: answered like any dead credential, the uniform 401.
 */
export class CredentialEndedError extends Error {
  constructor() {
    super('the credential ended before the work started');
    this.name = 'CredentialEndedError';
  }
}

/** No challenge of the caller's tenant has this id (never made, another tenant's, or forgotten): 404, alike. */
export class ChallengeNotFoundError extends Error {
  constructor() {
    super('No challenge of yours has this challenge_id (or it expired long enough ago to be forgotten).');
    this.name = 'ChallengeNotFoundError';
  }
}
