/** How many processes WORKERS gives, by store: the rule the start banner announces. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planWorkers } from '../../src/cluster.ts';
import { loadConfig } from '../../src/config.ts';
import { SHARED_ENV } from '../helpers/server.ts';

describe('planWorkers', () => {
  it('defaults to the cores with a shared store, and takes WORKERS as given', () => {
    assert.deepEqual(planWorkers({ workers: undefined }, 'redis', 8), { count: 8 });
    assert.deepEqual(planWorkers({ workers: 3 }, 'redis', 8), { count: 3 });
  });

  it('is one process with the embedded store, and says why when more were asked for', () => {
    assert.deepEqual(planWorkers({ workers: undefined }, 'memory', 8), { count: 1 });
    assert.deepEqual(planWorkers({ workers: 1 }, 'memory', 8), { count: 1 });
    const plan = planWorkers({ workers: 4 }, 'memory', 8);
    assert.equal(plan.count, 1);
    assert.match(plan.note!, /^WORKERS=4 ignored: the embedded store lives inside one process/);
  });

  it('reads WORKERS, SHUTDOWN_DRAIN_MS and SHUTDOWN_TIMEOUT_MS, with the drain on by default only in production', () => {
    const dev = loadConfig({ ...SHARED_ENV, NODE_ENV: 'development' });
    assert.equal(dev.workers, undefined);
    assert.equal(dev.shutdownDrainMs, 0);
    assert.equal(dev.shutdownTimeoutMs, 5_000);
    const prod = loadConfig({ ...SHARED_ENV, NODE_ENV: 'production', API_KEYS: `a:${'k'.repeat(40)}`, METRICS_TOKEN: 'm'.repeat(16) + 'etrics-token' });
    assert.equal(prod.shutdownDrainMs, 3_000);
    const set = loadConfig({ ...SHARED_ENV, WORKERS: '2', SHUTDOWN_DRAIN_MS: '10', SHUTDOWN_TIMEOUT_MS: '20' });
    assert.deepEqual([set.workers, set.shutdownDrainMs, set.shutdownTimeoutMs], [2, 10, 20]);
    assert.throws(() => loadConfig({ ...SHARED_ENV, WORKERS: '0' }), /WORKERS/);
  });
});
