/**
 * Sealed requests over HTTP (RFC 9458; docs/sealed.md): `GET /ohttp-keys` publishes the key
 * configurations, and `POST /ohttp` opens a `message/ohttp-req`, runs its inner Binary HTTP
 * request through this same app, in-process, and answers `200 message/ohttp-res` holding the
 * inner response, sealed with the response key of section 4.4, whatever the inner status.
 *
 * The inner request is handled exactly like a plain one: it enters the app at the top (request
 * context, security headers, the /v1 router with its authentication, attempts, rate limits,
 * validation and audit), so its log line, metrics and audit entry name the inner route. It takes
 * the outer request's ids and logger (request-context.ts carryRequestContext: one request id for
 * both) and the outer client's address (`req.ip`, for the failing-address limit). Hop-by-hop and
 * forwarding fields of the inner request are dropped: it arrived on the outer connection.
 *
 * Every outer failure (see sealed/service.ts for the checks and their order) is one `400
 * sealed-request-refused` with one body, counted against the client address's failed
 * authentications (AUTH_FAILURES_PER_MINUTE; past it, 429 as for a bad credential). Its reason
 * goes to the log only. A gateway too busy to decapsulate (the scheduler refuses the job) is not a
 * refusal of the request: `503 crypto-busy` with Retry-After, unsealed, counted against nothing. A body that is not `message/ohttp-req` is 415, one over MAX_BODY_BYTES 413.
 * @module
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import express, { type Express, type Request, type Response } from 'express';
import type { BhttpResponseInit, FieldLines } from '../sealed/bhttp.ts';
import { SealedRequestError, sealResponse } from '../sealed/gateway.ts';
import { MEDIA_TYPES } from '../sealed/ohttp.ts';
import type { BhttpRequest } from '../sealed/service.ts';
import { carryRequestContext, routeLabel } from '../observability/request-context.ts';
import type { Services } from '../services.ts';
import { methodNotAllowed } from './pipeline.ts';
import { Problem } from './problems.ts';

/** The one refusal of a sealed request: the same body whatever failed. */
export const sealedRequestRefused = () => new Problem('sealed-request-refused', 'The sealed request was refused.');

/**
 * Fields of the inner request that belong to a connection or a proxy, not to the request: dropped
 * (RFC 9110 section 7.6.1; the forwarding fields would let the inner request pose as another address).
 */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'expect', 'host', 'content-length', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'x-request-id']);
/** Fields of the inner response that describe the outer connection, not the response. */
const RESPONSE_CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

export function mountSealed(app: Express, services: Services): void {
  const { config, limits, sealed } = services;

  app.get('/ohttp-keys', async (_req, res) => {
    routeLabel(res, '/ohttp-keys');
    const keys = await sealed.keys();
    // Public, and the same on every instance until OHTTP_KEY_ID changes: cacheable, briefly, so a rotation is seen soon.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type(MEDIA_TYPES.keys).send(Buffer.from(keys.encoded));
  });

  const rawBody = express.raw({ type: MEDIA_TYPES.request, limit: config.maxBodyBytes });
  app.post('/ohttp', (_req, res, next) => {
    routeLabel(res, '/ohttp');
    next();
  }, rawBody, async (req, res) => {
    if (!req.is(MEDIA_TYPES.request) || !Buffer.isBuffer(req.body)) {
      throw new Problem('unsupported-media-type', `Send the body as ${MEDIA_TYPES.request} (RFC 9458 section 4.3).`);
    }
    let opened;
    try {
      opened = await sealed.open(new Uint8Array(req.body), { tenant: SEALED_GATEWAY_TENANT, signal: clientGone(res) });
    } catch (error) {
      // CryptoBusyError (503 crypto-busy, Retry-After) passes: a busy gateway refuses nothing about the request.
      if (!(error instanceof SealedRequestError)) throw error;
      req.log.info({ reason: error.reason }, 'sealed request refused');
      services.metrics.refused('sealed-request', error.reason);
      // Throws RateLimitedError (429) instead when this address has failed too often.
      await limits.authFailed(clientAddress(req));
      throw sealedRequestRefused();
    }
    const inner = await runInProcess(app, req, opened.request);
    res.status(200).type(MEDIA_TYPES.response).send(Buffer.from(sealResponse(opened, inner)));
  });
  app.all('/ohttp-keys', methodNotAllowed('/ohttp-keys', ['GET', 'HEAD']));
  app.all('/ohttp', methodNotAllowed('/ohttp', ['POST']));
}

/**
 * The scheduler tenant (crypto/scheduler.ts) of the gateway's decapsulations: one for every outer
 * request, whoever sends it. The outer request is not authenticated (its inner request is, after
 * opening), so all sealed traffic together gets one tenant's fair share of the fast lane and one
 * tenant's queue bound: a flood of sealed requests, from however many addresses, waits or is
 * refused 503 among itself and never takes the lane from the authenticated tenants. Not a valid
 * tenant name, so it never shares a queue with one.
 */
export const SEALED_GATEWAY_TENANT = '(ohttp gateway)';

/** Aborted when the outer connection closes before the answer: the decapsulation leaves the queue. */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Runs `request` through `app` as if it had arrived on the outer request's connection, and
 * captures the answer. No socket is opened: the request is an IncomingMessage over a stand-in
 * socket that reads nothing and discards what is written (the answer is captured from the
 * response's own write and end).
 */
export async function runInProcess(app: Express, outer: Request, request: BhttpRequest): Promise<BhttpResponseInit> {
  const socket = new StandInSocket(outer.socket.remoteAddress);
  const req = new IncomingMessage(socket as never);
  req.method = request.method;
  req.url = request.path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const rawHeaders: string[] = [];
  for (const [name, value] of request.headers) if (!CONNECTION_FIELDS.has(name)) rawHeaders.push(name, value);
  rawHeaders.push('host', request.authority || outer.get('host') || 'localhost');
  if (request.content.length > 0 || request.method !== 'GET') rawHeaders.push('content-length', String(request.content.length));
  req.rawHeaders = rawHeaders;
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    headers[name] = name in headers ? `${headers[name]}, ${rawHeaders[i + 1]!}` : rawHeaders[i + 1]!;
  }
  req.headers = headers;
  if (request.content.length > 0) req.push(Buffer.from(request.content));
  req.push(null);
  req.complete = true;
  // The outer client's address as Express computed it (trust proxy applied once, to the outer request).
  Object.defineProperty(req, 'ip', { value: outer.ip, enumerable: true });
  Object.defineProperty(req, 'ips', { value: outer.ips, enumerable: true });
  carryRequestContext(req, outer);

  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  const chunks: Buffer[] = [];
  const capture = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    capture(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    capture(args[0], args[1]);
    return end(...args);
  }) as typeof res.end;

  // The outer client went away: the inner request sees its connection close too (its queued work is dropped).
  const abandon = () => {
    if (!res.writableFinished) res.destroy();
  };
  outer.res?.once('close', abandon);
  try {
    await new Promise<void>((resolve, reject) => {
      res.once('finish', resolve);
      res.once('close', () => (res.writableFinished ? resolve() : reject(new Error('the inner request was abandoned'))));
      app(req as Request, res as never);
    });
  } finally {
    outer.res?.off('close', abandon);
    socket.destroy();
  }

  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined || RESPONSE_CONNECTION_FIELDS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) fields.push([name, String(v)]);
  }
  return { status: res.statusCode, headers: fields as FieldLines, content: new Uint8Array(Buffer.concat(chunks)) };
}

/**
 * A socket that is not one: it has the outer client's address, never yields data (the request's
 * body is pushed into the IncomingMessage itself) and discards what is written. Readable and
 * writable until destroyed, as a live connection is (on-finished, which body-parser asks, takes
 * an unreadable socket for a finished request).
 */
class StandInSocket extends Duplex {
  readonly encrypted = false;
  constructor(readonly remoteAddress: string | undefined) {
    super({
      read() {},
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

