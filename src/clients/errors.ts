/**
 * What the client service answers when a client cannot be had, below HTTP (http/problems.ts is
 * to map them): not found (also another tenant's client, an expired or deleted one: 404, alike),
 * or the tenant's QUOTA_CLIENTS reached (429 quota-exceeded, nothing written). Input and scope
 * refusals are the operations layer's InvalidInputError (422) and NotAllowedError (403).
 * @module
 */

/** No client of the caller's tenant has this id: 404, indistinguishable from another tenant's client. */
export class ClientNotFoundError extends Error {
  constructor() {
    super('No client of yours has this client_id.');
    this.name = 'ClientNotFoundError';
  }
}

/**
 * The tenant has QUOTA_CLIENTS unexpired clients already: 429 `quota-exceeded` naming the quota.
 * (limits/errors.ts's QuotaExceededError names the other quotas; fold this into it when that
 * file takes 'QUOTA_CLIENTS'.)
 */
export class ClientQuotaExceededError extends Error {
  readonly quota = 'QUOTA_CLIENTS';
  constructor(readonly limit: number) {
    super(`QUOTA_CLIENTS: this tenant already has ${limit} registered clients`);
    this.name = 'ClientQuotaExceededError';
  }
}
