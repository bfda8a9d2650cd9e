/**
 * What every request carries from its first middleware on: a request id, a logger bound to it,
 * and, when it ends, one log line and its HTTP metrics.
 *
 * - `X-Request-Id`: an incoming one is kept when it is a sane token (1-128 characters of
 *   `A-Z a-z 0-9 . _ : -`), so a load balancer's or a client's id follows the request; anything
 *   else (empty, too long, spaces, control characters, several values) is replaced by a new
 *   random one, never echoed. The id is on the response, in every log line of the request
 *   (`req.log` is a pino child logger carrying `request_id`) and in every problem body. The
 *   server also gives every request an id of its own (`req.serverRequestId`: the same when the
 *   client sent none, else a new one, logged as `server_request_id`): the audit trail records
 *   that one, with the client's kept beside it, so a client cannot make its entries pass for
 *   `admin-maintenance`.
 * - The route label of the metrics is the declared path template the request matched (set by
 *   the route plumbing in `res.locals.route`), never the raw URL: unknown paths share one series.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id, as sent back in X-Request-Id: the client's when it sent a sane one. */
    id: string;
    /**
     * The server's own id of this request, never chosen by the client: what the audit trail
     * records. Equal to `id` when the client sent none; else in every log line as `server_request_id`.
     */
    serverRequestId: string;
    /** The X-Request-Id the client sent, when sane (and so kept as `id`); null otherwise. */
    clientRequestId: string | null;
    /** The logger of this request: every line carries `request_id`. */
    log: Logger;
  }
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming id when it is a sane token, else a new random one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Sets where a request is accounted in the metrics: its declared route (path template). */
export function routeLabel(res: { locals: Record<string, unknown> }, path: string): void {
  res.locals.routeLabel = path;
}

export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    req.id = requestIdFor(req.get(REQUEST_ID_HEADER));
    const clientSent = req.id === req.get(REQUEST_ID_HEADER);
    req.clientRequestId = clientSent ? req.id : null;
    req.serverRequestId = clientSent ? randomUUID() : req.id;
    req.log = logger.child(clientSent ? { request_id: req.id, server_request_id: req.serverRequestId } : { request_id: req.id });
    res.setHeader(REQUEST_ID_HEADER, req.id);
    const done = (status: number | 'aborted') => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof res.locals.routeLabel === 'string' ? res.locals.routeLabel : UNMATCHED_ROUTE;
      metrics.request(route, req.method, status, seconds);
      const principal = req.principal;
      req.log.info(
        {
          method: req.method,
          // The full path (req.path is relative to the router that answered), without the query.
          path: req.originalUrl.split('?')[0],
          route,
          status,
          ms: seconds * 1000,
          tenant: principal?.tenant,
          token_id: principal?.token?.id,
        },
        status === 'aborted' ? 'request aborted' : 'request',
      );
    };
    res.on('finish', () => done(res.statusCode));
    // The connection closed before the answer was complete (the client went away, or the server
    // was stopped under it): counted with status "aborted", so lost requests show.
    res.on('close', () => {
      if (!res.writableFinished) done('aborted');
    });
    next();
  };
}
