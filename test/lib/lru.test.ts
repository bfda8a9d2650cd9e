import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../src/lib/lru.ts';

describe('LruCache', () => {
  test('past maxEntries the least recently used entry goes, and onEvict sees it', () => {
    const evicted: string[] = [];
    const cache = new LruCache<string>({ maxEntries: 2, onEvict: (v) => evicted.push(v) });
    cache.set('a', 'A');
    cache.set('b', 'B');
    assert.equal(cache.get('a'), 'A'); // a is now more recent than b
    cache.set('c', 'C');
    assert.deepEqual(evicted, ['B']);
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual([cache.get('a'), cache.get('c'), cache.size], ['A', 'C', 2]);
  });

  test('an entry expires ttlMs after it was set, by the injected clock, and is handed to onEvict', () => {
    let now = 1_000;
    const evicted: string[] = [];
    const cache = new LruCache<string>({ maxEntries: 10, ttlMs: 60_000, now: () => now, onEvict: (v) => evicted.push(v) });
    cache.set('k', 'V');
    now += 59_999;
    assert.equal(cache.get('k'), 'V');
    now += 1; // use does not extend the lifetime
    assert.equal(cache.get('k'), undefined);
    assert.deepEqual(evicted, ['V']);
  });

  test('expired entries are swept when others are set, without waiting for a get', () => {
    let now = 0;
    const evicted: string[] = [];
    const cache = new LruCache<string>({ maxEntries: 10, ttlMs: 10, now: () => now, onEvict: (v) => evicted.push(v) });
    cache.set('old', 'OLD');
    now = 20;
    cache.set('new', 'NEW');
    assert.deepEqual(evicted, ['OLD']);
    assert.equal(cache.size, 1);
  });

  test('replacing, deleting and clearing hand every old value to onEvict exactly once', () => {
    const evicted: string[] = [];
    const cache = new LruCache<string>({ maxEntries: 10, onEvict: (v) => evicted.push(v) });
    cache.set('k', 'one');
    cache.set('k', 'two');
    cache.set('j', 'three');
    cache.delete('j');
    cache.delete('missing');
    cache.clear();
    assert.deepEqual(evicted, ['one', 'three', 'two']);
    assert.equal(cache.size, 0);
  });

  test('with maxEntries 0 or ttlMs 0 nothing is kept, and a value set is handed straight to onEvict', () => {
    for (const opts of [{ maxEntries: 0 }, { maxEntries: 5, ttlMs: 0 }]) {
      const evicted: string[] = [];
      const cache = new LruCache<string>({ ...opts, onEvict: (v) => evicted.push(v) });
      cache.set('k', 'V');
      assert.equal(cache.get('k'), undefined);
      assert.deepEqual(evicted, ['V']);
    }
  });
});
