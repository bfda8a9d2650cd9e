/**
 * The hostile-input attack: a real server on a real store, fixtures made through the API, then
 * fast-check's generated requests over raw HTTP, each answer checked against what must hold for
 * any request whatever:
 *
 * - never a 5xx;
 * - every error an RFC 9457 problem (application/problem+json, `status` equal to the HTTP status,
 *   a urn type, a title and a detail; a 422 names its fields; 401 has WWW-Authenticate and 405
 *   Allow), unless Node's HTTP parser refused the request line or headers before the application
 *   (a bare 400, 417 or 431; only for requests built to provoke it);
 * - Cache-Control: no-store on every answer to a /v1 path however it is spelt, and on every 2xx;
 * - a 2xx JSON answer has exactly the documented fields (nothing undeclared leaks out);
 * - no answer echoes the credential presented or any other secret handed out;
 * - nothing half-written: a request that is refused wrote no record to the store.
 *
 * Not a test file itself: hostile.test.ts (memory store) and hostile-redis.test.ts use it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Store } from '../../../src/stores/store.ts';
import { startServer } from '../../helpers/server.ts';
import { hostileCases, type HostileCase } from './arbitraries.ts';
import { makeFixtures, type Fixtures } from './fixtures.ts';
import { RawClient, type RawAnswer } from './http.ts';
import { operationFor, operationsOf, type Operation } from './operations.ts';

/** Every limit off, so that a 429 never hides the answer under test (unknown variables are ignored). */
export const HOSTILE_ENV = Object.freeze({
  RATE_LIMIT_PER_TENANT: '0',
  RATE_LIMIT_PER_TOKEN: '0',
  AUTH_FAILURES_PER_MINUTE: '0',
});

/** Store methods that add records (present and, by name, future ones). */
const WRITE_METHOD = /^(put|create|getOrPut|insert|add|save|store)/;

/**
 * The store, watched: counts completed calls of the methods that add records. Every other method
 * (and any added later) passes through untouched, bound to the real store.
 */
export function watchWrites<S extends Store>(store: S): { store: S; writes: () => number } {
  let writes = 0;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && WRITE_METHOD.test(prop)) {
        return async (...args: unknown[]) => {
          const result = await fn.apply(target, args);
          writes += 1;
          return result;
        };
      }
      return fn.bind(target);
    },
  });
  return { store: proxy, writes: () => writes };
}

const PROBLEM = /^application\/problem\+json(;|$)/;
const PUBLIC = /^\/(healthz|readyz|openapi\.json|docs)(\/|$|\?)/;
/** Bare answers Node's own HTTP parser gives before any application code runs. */
const PARSER_STATUSES = [400, 413, 414, 417, 431];

export class Tally {
  requests = 0;
  fivexx = 0;
  bare = 0;
  readonly byStatus = new Map<number, number>();
  readonly byOperation = new Map<string, number>();
  readonly byKind = new Map<string, number>();
  /** 2xx answers of operations that run crypto or write records. */
  readonly successes = new Map<string, number>();

  readonly msByKind = new Map<string, number>();

  time(c: HostileCase, ms: number): void {
    const k = c.kind.replace(/^(fields:bad|fields:dup|fields:drop):.*/, '$1');
    this.msByKind.set(k, (this.msByKind.get(k) ?? 0) + ms);
  }

  record(c: HostileCase, res: RawAnswer): void {
    this.requests += 1;
    if (res.status >= 500) this.fivexx += 1;
    const bump = (m: Map<string | number, number>, k: string | number) => m.set(k, (m.get(k) ?? 0) + 1);
    bump(this.byStatus as Map<string | number, number>, res.status);
    bump(this.byOperation as Map<string | number, number>, c.op.operationId);
    bump(this.byKind as Map<string | number, number>, c.kind.split(':')[0]!);
    if (res.status < 300) bump(this.successes as Map<string | number, number>, c.op.operationId);
  }

  summary(label: string): string {
    const list = (m: Map<string | number, number>) => [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([k, v]) => `${k}=${v}`).join(' ');
    return [
      `hostile[${label}]: ${this.requests} requests, ${this.fivexx} 5xx seen, ${this.bare} answered by Node's HTTP parser`,
      `  by status: ${list(this.byStatus)}`,
      `  by kind: ${list(this.byKind)}`,
      `  by operation: ${list(this.byOperation)}`,
      `  2xx (crypto run, records written): ${list(this.successes)}`,
      ...(process.env.HOSTILE_TIMING ? [`  slowest kinds (ms): ${[...this.msByKind].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k}=${Math.round(v)}`).join(' ')}`] : []),
    ].join('\n');
  }
}

const isV1 = (target: string) => /^\/v1(\/|$|\?|;)/i.test(target);

/** Checks one answer; throws (an assertion error) when an invariant is broken. */
export function checkAnswer(c: HostileCase, res: RawAnswer, wrote: number, ops: readonly Operation[], fx: Fixtures, tally: Tally): void {
  const { method, target } = c.request;
  const what = `[${c.kind}] ${method} ${target.slice(0, 120)} -> ${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status < 500, `a 5xx is always a bug: ${what}`);
  assert.ok(res.status >= 200, `no informational final answer: ${what}`);
  const type = String(res.headers['content-type'] ?? '');
  const bare = res.status >= 400 && type === '' && res.text === '';
  if (bare && method !== 'HEAD') {
    assert.ok(c.mayBeBare, `an answer without a problem body to a request Node's parser accepts: ${what}`);
    assert.ok(PARSER_STATUSES.includes(res.status), `unexpected bare status: ${what}`);
    assert.equal(wrote, 0, `a refused request wrote to the store: ${what}`);
    tally.bare += 1;
    return;
  }
  if (isV1(target) || (res.status < 300 && !PUBLIC.test(target))) {
    assert.equal(res.headers['cache-control'], 'no-store', `no Cache-Control: no-store: ${what}`);
  }
  if (res.status >= 400) {
    assert.match(type, PROBLEM, `not problem+json: ${what}`);
    if (method !== 'HEAD') {
      const body = res.body as Record<string, unknown>;
      assert.ok(body && typeof body === 'object', `problem body is not a JSON object: ${what}`);
      assert.equal(body.status, res.status, `problem status differs from the HTTP status: ${what}`);
      assert.ok(typeof body.type === 'string' && body.type.startsWith('urn:pq-crypto-api:problem:'), `problem type: ${what}`);
      assert.ok(typeof body.title === 'string' && body.title.length > 0, `problem title: ${what}`);
      assert.ok(typeof body.detail === 'string' && body.detail.length > 0, `problem detail: ${what}`);
      if (res.status === 422) {
        assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `a 422 names its fields: ${what}`);
        for (const e of body.errors as { pointer?: unknown; detail?: unknown }[]) {
          assert.ok(typeof e.pointer === 'string' && e.pointer.startsWith('/'), `422 pointer: ${what}`);
          assert.ok(typeof e.detail === 'string' && e.detail.length > 0, `422 detail: ${what}`);
        }
      }
    }
    if (res.status === 401) assert.match(String(res.headers['www-authenticate']), /^Bearer /, `401 without WWW-Authenticate: ${what}`);
    if (res.status === 405) assert.ok(String(res.headers.allow ?? '').length > 0, `405 without Allow: ${what}`);
    assert.equal(wrote, 0, `a refused request wrote ${wrote} record(s) to the store: ${what}`);
  } else if (res.status !== 204 && method !== 'HEAD' && !PUBLIC.test(target)) {
    assert.match(type, /^application\/json(;|$)/, `a 2xx is JSON: ${what}`);
    const reached = operationFor(ops, method, target);
    const documented = reached?.responses[res.status];
    if (documented && res.body && typeof res.body === 'object') {
      const keys = Object.keys(res.body);
      const extra = keys.filter((k) => !documented.properties.includes(k));
      assert.deepEqual(extra, [], `undocumented fields in a ${reached.operationId} answer: ${what}`);
      const missing = documented.required.filter((k) => !keys.includes(k));
      assert.deepEqual(missing, [], `documented fields missing from a ${reached.operationId} answer: ${what}`);
    }
  }
  for (const secret of fx.secrets) {
    if (res.text.includes(secret)) assert.fail(`an answer echoes a credential: ${what}`);
  }
  if (c.credential && c.credential.length >= 16) assert.ok(!res.text.includes(c.credential), `an answer echoes the credential presented: ${what}`);
}

export interface AttackOptions {
  readonly label: string;
  readonly store: Store;
  readonly runs: number;
  readonly hugeLists: boolean;
  /** A further check after each answer (the Redis run counts records in Redis itself). */
  readonly after?: (c: HostileCase, res: RawAnswer) => Promise<void>;
  /** Runs once, after the fixtures are made and before the first generated request. */
  readonly before?: () => Promise<void>;
  readonly log: (line: string) => void;
}

/** Runs the attack and returns the tally; throws on the first broken invariant (fast-check shrinks it). */
export async function attack(opts: AttackOptions): Promise<Tally> {
  const watched = watchWrites(opts.store);
  const api = await startServer({ store: watched.store, env: { ...HOSTILE_ENV } });
  const client = new RawClient(api.url);
  const tally = new Tally();
  try {
    const fx = await makeFixtures(api);
    await opts.before?.();
    const doc = await (await fetch(`${api.url}/openapi.json`)).json();
    const ops = operationsOf(doc);
    assert.ok(ops.filter((op) => op.path.startsWith('/v1')).length >= 10, 'the OpenAPI document lists the /v1 operations');
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    const property = fc.asyncProperty(hostileCases(ops, fx, { maxMessageBytes: api.config.maxMessageBytes, hugeLists: opts.hugeLists }), async (c) => {
      const before = watched.writes();
      const started = performance.now();
      const res = await client.send(c.request);
      tally.time(c, performance.now() - started);
      tally.record(c, res);
      // HOSTILE_DUMP=<file>: the last 5xx request, in full, to replay against a server that logs.
      if (res.status >= 500 && process.env.HOSTILE_DUMP) writeFileSync(process.env.HOSTILE_DUMP, JSON.stringify({ method: c.request.method, target: c.request.target, headers: c.request.headers, body: c.request.body?.toString('latin1') }));
      checkAnswer(c, res, watched.writes() - before, ops, fx, tally);
      await opts.after?.(c, res);
    });
    await fc.assert(property, { numRuns: opts.runs, includeErrorInReport: true, ...(seed !== undefined ? { seed } : {}) });
    return tally;
  } finally {
    opts.log(tally.summary(opts.label));
    client.close();
    await api.close();
  }
}
