/**
 * What the session service answers when a session cannot be had, below HTTP (http/problems.ts
 * maps it): not found, also another tenant's, another client's, an expired or ended one (404, alike).
 * @module
 */

export class SessionNotFoundError extends Error {
  constructor() {
    super('No open session of yours has this session_id.');
    this.name = 'SessionNotFoundError';
  }
}
