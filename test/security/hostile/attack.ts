/**
 * The hostile-input attack: a real server on a real store, fixtures made through the API, then
 * fast-check's generated requests over raw HTTP, each answer checked against what must hold for
 * any request whatever:
 *
 * - never a 5xx (POST /ohttp included: fuzzed sealed requests, hostile/arbitraries.ts sealedCases);
 * - every error an RFC 9457 problem (application/problem+json, `status` equal to the HTTP status,
 *   a urn type, a title and a detail; a 422 names its fields; 401 has WWW-Authenticate and 405
 *   Allow), unless Node's HTTP parser refused the request line or headers before the application
 *   (a bare 400, 417 or 431; only for requests built to provoke it);
 * - Cache-Control: no-store on every answer to a /v1 path however it is spelt, and on every 2xx;
 * - a 2xx JSON answer has exactly the documented fields (nothing undeclared leaks out); a batch
 *   answer has one result per item, each the single form's fields or `{ error: <4xx problem> }`;
 * - no answer echoes the credential presented or any other secret handed out;
 * - nothing half-written: a request that is refused (or a batch whose every item failed) added,
 *   counted or removed nothing in the store (watched method by method, on every port) and left
 *   neither tenant with more stored keys (keys.count);
 * - and after the run: the fixtures' keys are all still there, with the versions they had (a key
 *   is deleted or rotated only by a request naming it, and the attack names only keys kept for it).
 *
 * Not a test file itself: hostile.test.ts (memory store) and hostile-redis.test.ts use it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Store } from '../../../src/stores/store.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { hostileCases, type HostileCase } from './arbitraries.ts';
import { HOSTILE_MAX_ENCRYPTIONS, makeFixtures, type Fixtures } from './fixtures.ts';
import { RawClient, type RawAnswer } from './http.ts';
import { operationFor, operationsOf, type Operation } from './operations.ts';

/** Every limit off, so that a 429 never hides the answer under test (unknown variables are ignored). */
export const HOSTILE_ENV = Object.freeze({
  RATE_LIMIT_PER_TENANT: '0',
  RATE_LIMIT_PER_TOKEN: '0',
  AUTH_FAILURES_PER_MINUTE: '0',
  MAX_ENCRYPTIONS_PER_KEY: String(HOSTILE_MAX_ENCRYPTIONS),
  // The fixtures' sealed requests (POST /ohttp) stay fresh for the whole run.
  OHTTP_WINDOW_SECONDS: '3600',
  // What is probed here is input handling, not load shedding (test/crypto/lanes.test.ts,
  // test/http/fairness.test.ts): on a loaded machine the last items of a large signing batch could
  // wait past the 5 s default to start and be refused 503 crypto-busy, a correct answer that this
  // suite would count as a 5xx.
  CRYPTO_QUEUE_TIMEOUT_MS: '120000',
});

/**
 * Store methods that add or count something (present and, by name, future ones), and those that
 * take something away. consumeAttempt is neither: a refused request uses its attempt by design.
 */
const WRITE_METHOD = /^(put|create|getOrPut|insert|add|save|store|reserve|countUse|incr)/;
const REMOVE_METHOD = /^(delete|remove|revoke|release|drop)/;
/** What a write or removal answers when it did nothing (the store refused it atomically). */
const DID_NOTHING = new Set<unknown>([false, 'taken', 'quota-exceeded', 'conflict', 'not-found', 'exhausted']);

/**
 * The store, watched: counts completed calls of the methods that add, count or remove records,
 * on the store and on every port under it (store.keys, store.tokens, ...), leaving out calls that
 * answered that they did nothing. Every other method (and any added later) passes through
 * untouched, bound to the real object.
 */
export function watchWrites<S extends Store>(store: S): { store: S; writes: () => number } {
  let writes = 0;
  const proxies = new WeakMap<object, object>();
  const watch = <T extends object>(object: T): T => {
    const known = proxies.get(object);
    if (known) return known as T;
    const proxy = new Proxy(object, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        // A port (an object of methods): watched in turn.
        if (value && typeof value === 'object' && !Array.isArray(value) && typeof prop === 'string') return watch(value);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (typeof prop === 'string' && (WRITE_METHOD.test(prop) || REMOVE_METHOD.test(prop))) {
          return async (...args: unknown[]) => {
            const result = await fn.apply(target, args);
            if (!DID_NOTHING.has(result)) writes += 1;
            return result;
          };
        }
        return fn.bind(target);
      },
    });
    proxies.set(object, proxy);
    return proxy;
  };
  return { store: watch(store), writes: () => writes };
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
  } else if (target === '/ohttp') {
    // A sealed answer: the inner response is sealed to the client, nothing to read here.
    assert.equal(type, 'message/ohttp-res', `a 2xx of POST /ohttp is message/ohttp-res: ${what}`);
  } else if (res.status !== 204 && method !== 'HEAD' && !PUBLIC.test(target)) {
    assert.match(type, /^application\/json(;|$)/, `a 2xx is JSON: ${what}`);
    const reached = operationFor(ops, method, target);
    const documented = reached?.responses[res.status];
    const shapeOf = (value: object, where: string) => {
      const keys = Object.keys(value);
      const extra = keys.filter((k) => !documented!.properties.includes(k));
      assert.deepEqual(extra, [], `undocumented fields in a ${reached!.operationId} ${where}: ${what}`);
      const missing = documented!.required.filter((k) => !keys.includes(k));
      assert.deepEqual(missing, [], `documented fields missing from a ${reached!.operationId} ${where}: ${what}`);
    };
    if (documented && res.body && typeof res.body === 'object') {
      const body = res.body as Record<string, unknown>;
      if (reached.batch && 'batch_results' in body) {
        checkBatch(c, body, reached.batch.maxItems, wrote, what, (item, i) => shapeOf(item, `batch result ${i}`));
      } else {
        shapeOf(body, 'answer');
      }
    }
  }
  for (const secret of fx.secrets) {
    if (res.text.includes(secret)) assert.fail(`an answer echoes a credential: ${what}`);
  }
  if (res.status < 300) checkKeyRestriction(c, res, fx, what);
  if (c.credential && c.credential.length >= 16) assert.ok(!res.text.includes(c.credential), `an answer echoes the credential presented: ${what}`);
}

/** The fixture keys of alice's that a request body (or one batch item) names: by key_id, or a KEM key by pk. */
function namedKeys(item: unknown, fx: Fixtures, op: Operation): string[] {
  if (!item || typeof item !== 'object') return [];
  const o = item as Record<string, unknown>;
  // Only decapsulation uses the key a pk names (encapsulating to a public key uses none).
  const ids = [o.key_id, op.operationId === 'kemDecapsulate' && typeof o.pk === 'string' ? fx.aliceKemByPk.get(o.pk) : undefined];
  return ids.filter((id): id is string => typeof id === 'string' && fx.aliceKeyIds.has(id));
}

/**
 * A token restricted to some keys never gets a success for a request (or a batch item) that
 * names another of the tenant's keys, by key_id, pk or path, nor sees another in GET /v1/keys.
 */
function checkKeyRestriction(c: HostileCase, res: RawAnswer, fx: Fixtures, what: string): void {
  const allowed = c.credential === undefined ? undefined : fx.restricted.get(c.credential);
  if (!allowed) return;
  const refused = (ids: readonly string[]) => ids.filter((id) => !allowed.includes(id));
  let path: string | undefined;
  try {
    path = decodeURIComponent(c.request.target.split('?')[0]!);
  } catch {
    // not valid percent-encoding: the request names nothing we can tell
  }
  const inPath = /\/v1\/keys\/([^/]+)/i.exec(path ?? '')?.[1];
  if (inPath && fx.aliceKeyIds.has(inPath)) assert.deepEqual(refused([inPath]), [], `a key-restricted token used another key (path): ${what}`);
  const answer = res.body as Record<string, unknown> | undefined;
  if (Array.isArray(answer?.keys)) {
    for (const k of answer.keys as { key_id: string }[]) assert.ok(allowed.includes(k.key_id), `a key-restricted token was shown another key (${k.key_id}): ${what}`);
  }
  // Nor in the audit trail: only entries about its keys or its lineage, never another key's id.
  if (Array.isArray(answer?.entries)) {
    for (const e of answer.entries as { key_id: string | null; key_ids: string[] }[]) {
      for (const id of [e.key_id, ...e.key_ids]) if (id !== null) assert.ok(allowed.includes(id), `a key-restricted token read another key (${id}) in the audit trail: ${what}`);
    }
  }
  let body: unknown;
  try {
    body = c.request.body ? JSON.parse(c.request.body.toString('utf8')) : undefined;
  } catch {
    return; // compressed, truncated, not JSON: refused, or nothing we can read
  }
  const results = answer?.batch_results;
  const items = (body as { batch_input?: unknown } | undefined)?.batch_input;
  if (Array.isArray(results) && Array.isArray(items)) {
    items.forEach((item, i) => {
      if (refused(namedKeys(item, fx, c.op)).length > 0) assert.ok(results[i] && 'error' in results[i], `a key-restricted token used another key (batch item ${i}): ${what}`);
    });
  } else {
    assert.deepEqual(refused(namedKeys(body, fx, c.op)), [], `a key-restricted token used another key: ${what}`);
  }
}

/** A batch answer: one result per item, each the single form's answer or its own 4xx problem. */
function checkBatch(c: HostileCase, body: Record<string, unknown>, maxItems: number, wrote: number, what: string, checkResult: (item: object, i: number) => void): void {
  assert.deepEqual(Object.keys(body), ['batch_results'], `a batch answer has batch_results only: ${what}`);
  const results = body.batch_results;
  assert.ok(Array.isArray(results) && results.length >= 1 && results.length <= maxItems, `batch_results is an array of 1 to MAX_BATCH: ${what}`);
  if (c.batchItems !== undefined) assert.equal(results.length, c.batchItems, `one batch result per item, in order: ${what}`);
  results.forEach((r: unknown, i) => {
    assert.ok(r && typeof r === 'object' && !Array.isArray(r), `batch result ${i} is an object: ${what}`);
    if (!('error' in r)) return checkResult(r, i);
    assert.deepEqual(Object.keys(r), ['error'], `a failed batch item is { error } only: ${what}`);
    const p = (r as { error: Record<string, unknown> }).error;
    assert.ok(typeof p.type === 'string' && p.type.startsWith('urn:pq-crypto-api:problem:'), `batch item ${i} problem type: ${what}`);
    assert.ok(typeof p.title === 'string' && p.title.length > 0 && typeof p.detail === 'string' && p.detail.length > 0, `batch item ${i} problem title and detail: ${what}`);
    // An item the store or a bug failed fails the whole request instead: an item's problem is a client error.
    assert.ok(typeof p.status === 'number' && p.status >= 400 && p.status < 500, `batch item ${i} problem status ${String(p.status)}: ${what}`);
    assert.equal(p.request_id, undefined, `batch item ${i} repeats the request id: ${what}`);
    if (p.status === 422) assert.ok(Array.isArray(p.errors) && p.errors.length > 0, `batch item ${i}: a 422 names its fields: ${what}`);
  });
  if (results.every((r: object) => 'error' in r)) assert.equal(wrote, 0, `a batch whose every item failed wrote ${wrote} record(s) to the store: ${what}`);
}

export interface AttackOptions {
  readonly label: string;
  readonly store: Store;
  readonly runs: number;
  readonly hugeLists: boolean;
  /** A further check after each answer (the Redis run counts records in Redis itself); runs even when a check failed. */
  readonly after?: (c: HostileCase, res: RawAnswer) => Promise<void>;
  /** Runs once, after the fixtures are made and before the first generated request. */
  readonly before?: () => Promise<void>;
  readonly log: (line: string) => void;
}

/**
 * After the run: every key of the fixtures that the attack does not name for deletion or rotation
 * is still there, with the versions it had.
 */
async function checkFixtureKeys(api: TestServer, fx: Fixtures): Promise<void> {
  const expected: [string, number | undefined][] = [
    ...fx.alice.map((k): [string, undefined] => [k.keyId, undefined]),
    ...Object.values(fx.signing).map((k): [string, number] => [k.keyId, k.versions.length]).filter(([id]) => id !== fx.signing.bob.keyId),
    [fx.shared.keyId, undefined],
    [fx.shared.fromDecapsulate, undefined],
    [fx.shared.exhausted, undefined],
  ];
  for (const [id, versions] of expected) {
    const res = await api.call('GET', `/v1/keys/${id}`, { auth: 'alice' });
    assert.equal(res.status, 200, `the fixture key ${id} is gone after the attack: ${JSON.stringify(res.body)}`);
    if (versions !== undefined) assert.equal(res.body.versions.length, versions, `the fixture key ${id} gained versions during the attack`);
  }
}

/** Runs the attack and returns the tally; throws on the first broken invariant (fast-check shrinks it). */
export async function attack(opts: AttackOptions): Promise<Tally> {
  const watched = watchWrites(opts.store);
  const api = await startServer({ store: watched.store, env: { ...HOSTILE_ENV } });
  const client = new RawClient(api.url);
  const tally = new Tally();
  try {
    const fx = await makeFixtures(api);
    // Stored keys per tenant, as the key quota counts them: a refused request never adds one.
    const keyCount = async () => (await opts.store.keys.count('alice')) + (await opts.store.keys.count('bob'));
    let keysKnown = await keyCount();
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
      const wrote = watched.writes() - before;
      // The counts are kept up to date even when a check fails, so that the runs fast-check makes
      // while shrinking are not judged against a stale count.
      const [keysBefore, keysNow] = [keysKnown, await keyCount()];
      keysKnown = keysNow;
      try {
        checkAnswer(c, res, wrote, ops, fx, tally);
        // Keys only disappear by themselves (expiry) or by a DELETE; a refusal adds none.
        if (res.status >= 400) assert.ok(keysNow <= keysBefore, `${keysNow - keysBefore} stored key(s) added by a refused request: ${c.kind} ${c.request.method} ${c.request.target.slice(0, 100)} -> ${res.status}`);
      } finally {
        await opts.after?.(c, res);
      }
    });
    await fc.assert(property, { numRuns: opts.runs, includeErrorInReport: true, ...(seed !== undefined ? { seed } : {}) });
    await checkFixtureKeys(api, fx);
    return tally;
  } finally {
    opts.log(tally.summary(opts.label));
    client.close();
    await api.close();
  }
}
