/**
 * GET /metrics: the Prometheus text exposition of this app's registry. Needs no API key. With
 * METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time
 * (both sides hashed to 32 bytes, then timingSafeEqual, so neither the length nor a prefix of the
 * token leaks through timing); without it, /metrics is open (keep it off the public network).
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { bearerCredential } from '../auth/authenticate.ts';
import { sendProblem, unauthorized } from './problems.ts';
import type { Metrics } from '../observability/metrics.ts';
import { routeLabel } from '../observability/request-context.ts';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function metricsEndpoint(metrics: Metrics, token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (req, res) => {
    routeLabel(res, '/metrics');
    res.setHeader('Cache-Control', 'no-store');
    if (expected) {
      const presented = bearerCredential(req.get('authorization'));
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        sendProblem(res, unauthorized());
        return;
      }
    }
    const { contentType, text } = await metrics.render();
    res.type(contentType).send(text);
  };
}
