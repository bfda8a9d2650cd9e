/**
 * The rate-limit contract: one suite for the counters on every store (memory.test.ts,
 * redis.test.ts). Counts are exact under concurrency, per key, and shared by every RateLimits
 * built on the same backend (that is how instances count together).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { RateLimitedError } from '../../src/limits/errors.ts';
import { RateLimits, type RateLimitSettings } from '../../src/limits/rate-limits.ts';
import type { Store } from '../../src/stores/store.ts';

export interface LimitsUnderTest {
  /** A store on the backend under test; two calls give two instances sharing that backend. */
  makeStore(): Promise<Store>;
}

const settle = async <T>(work: Promise<T>[]) => {
  const results = await Promise.allSettled(work);
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  for (const reason of refused) assert.ok(reason instanceof RateLimitedError, `unexpected ${String(reason)}`);
  return { passed: results.length - refused.length, refused: refused as RateLimitedError[] };
};

export function runRateLimitContract(name: string, backend: LimitsUnderTest): void {
  describe(`rate limits on the ${name} store`, () => {
    const limits = async (settings: Partial<RateLimitSettings>) =>
      new RateLimits((await backend.makeStore()).counters, { perTenant: 0, perToken: 0, authFailuresPerMinute: 0, ...settings });
    const tenant = () => `t-${randomUUID()}`;

    test('of concurrent requests of one tenant, exactly the limit passes; the rest are refused with a wait', async () => {
      const l = await limits({ perTenant: 5 });
      const t = tenant();
      const { passed, refused } = await settle(Array.from({ length: 12 }, () => l.admit({ tenant: t })));
      assert.equal(passed, 5);
      assert.equal(refused.length, 7);
      for (const e of refused) {
        assert.equal(e.policy, 'tenant');
        assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 1000, `retry after ${e.retryAfterMs}`);
      }
      await l.admit({ tenant: tenant() }); // another tenant is not affected
    });

    test('the window passes and the tenant may go on', async () => {
      const l = await limits({ perTenant: 2 });
      const t = tenant();
      await l.admit({ tenant: t });
      const [state] = await l.admit({ tenant: t });
      assert.deepEqual({ policy: state!.policy, limit: state!.limit, remaining: state!.remaining }, { policy: 'tenant', limit: 2, remaining: 0 });
      await assert.rejects(l.admit({ tenant: t }), RateLimitedError);
      await sleep(1100);
      await l.admit({ tenant: t });
    });

    test('per token: exactly the limit of one token passes, and its siblings count apart', async () => {
      const l = await limits({ perToken: 3 });
      const t = tenant();
      const { passed, refused } = await settle(Array.from({ length: 9 }, () => l.admit({ tenant: t, token: { id: 'tok-a' + t } })));
      assert.equal(passed, 3);
      assert.ok(refused.every((e) => e.policy === 'token'));
      await l.admit({ tenant: t, token: { id: 'tok-b' + t } });
    });

    test("a token past its own limit costs its tenant nothing: a stranger's token cannot use up the tenant's budget", async () => {
      const l = await limits({ perTenant: 10, perToken: 2 });
      const t = tenant();
      const { passed } = await settle(Array.from({ length: 50 }, () => l.admit({ tenant: t, token: { id: `hammered-${t}` } })));
      assert.equal(passed, 2);
      // 8 of the tenant's 10 are left for everybody else.
      const others = await settle(Array.from({ length: 12 }, (_, i) => l.admit({ tenant: t, token: { id: `other-${i}-${t}` } })));
      assert.equal(others.passed, 8);
    });

    test('two instances on one backend count together', async () => {
      const [a, b] = [await limits({ perTenant: 6 }), await limits({ perTenant: 6 })];
      const t = tenant();
      const { passed } = await settle(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).admit({ tenant: t })));
      assert.equal(passed, 6);
    });

    test('instances reserving places in batches never admit more than the limit together, and fewer by at most the bound', async () => {
      // Batches of 4, two instances: at most (2 - 1) x (4 - 1) = 3 places can sit unused in one of them.
      const batched = async () => new RateLimits((await backend.makeStore()).counters, { perTenant: 20, perToken: 0, authFailuresPerMinute: 0, tenantBatch: 4 });
      const [a, b] = [await batched(), await batched()];
      const t = tenant();
      const { passed, refused } = await settle(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).admit({ tenant: t })));
      assert.ok(passed <= 20 && passed >= 20 - 3, `${passed} admitted`);
      assert.ok(refused.every((e) => e.policy === 'tenant' && e.retryAfterMs > 0));
      // A place given back (a token found dead) serves the same instance's next request.
      const one = await batched();
      const u = tenant();
      await one.countTenant(u);
      one.refundTenant(u);
      const states = await Promise.all(Array.from({ length: 4 }, () => one.countTenant(u)));
      assert.deepEqual(states.map((s) => s!.remaining).sort((x, y) => x - y), [16, 17, 18, 19], 'four places of one batch, the given-back one among them');
    });

    test('failed authentications: the address is refused past its limit', async () => {
      const l = await limits({ authFailuresPerMinute: 3 });
      const address = `10.0.0.${Math.floor(Math.random() * 250)}-${randomUUID()}`;
      for (let i = 0; i < 3; i++) await l.authFailed(address);
      const refused = await l.authFailed(address).then(() => undefined, (e: unknown) => e);
      assert.ok(refused instanceof RateLimitedError);
      assert.equal(refused.policy, 'auth-failures');
      assert.equal(refused.windowSeconds, 60);
      await l.authFailed(`${address}-other`);
    });

    test('0 turns a limit off', async () => {
      const l = await limits({});
      const t = tenant();
      const { passed } = await settle(Array.from({ length: 200 }, () => l.admit({ tenant: t, token: { id: t } })));
      assert.equal(passed, 200);
      for (let i = 0; i < 100; i++) await l.authFailed(t);
    });
  });
}
