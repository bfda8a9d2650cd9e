/**
 * RecurringKeys (src/crypto/recurring-keys.ts), what both backends keep of public keys: nothing on
 * a key's first use, the value from its second use within the window, found by every byte of the
 * key (compared whole), at most maxEntries kept, and a key that comes back only after more than maxEntries others
 * is never kept.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RecurringKeys } from '../../src/crypto/recurring-keys.ts';

const key = (n: number) => new Uint8Array(randomBytes(64)).map((b, i) => (i === 0 ? n & 0xff : b));

describe('RecurringKeys', () => {
  test('first use: nothing made or kept; second: made and kept; then found without making', () => {
    const kept = new RecurringKeys<string>(4);
    const k = key(1);
    let made = 0;
    const make = () => `value ${++made}`;
    assert.equal(kept.get(k, make), undefined);
    assert.equal(made, 0);
    assert.equal(kept.get(k, make), 'value 1');
    assert.equal(kept.get(k.slice(), make), 'value 1', 'found by its bytes, not by the array');
    assert.equal(made, 1);
    assert.equal(kept.size, 1);
  });

  test('at most maxEntries kept, the least recently used dropped first', () => {
    const kept = new RecurringKeys<number>(3);
    const keys = [0, 1, 2, 3].map(key);
    keys.forEach((k, i) => (kept.get(k, () => i), kept.get(k, () => i)));
    assert.equal(kept.size, 3);
    let remade = false;
    // keys[0] was dropped: seen again it is only remembered, not found.
    assert.equal(kept.get(keys[0]!, () => ((remade = true), 0)), undefined);
    assert.equal(remade, false);
    assert.equal(kept.get(keys[3]!, () => -1), 3, 'the most recent is still kept');
  });

  test('a key that comes back only after more than maxEntries other keys is never kept', () => {
    const kept = new RecurringKeys<number>(4);
    const keys = Array.from({ length: 6 }, (_, i) => key(i));
    let made = 0;
    for (let round = 0; round < 3; round++) for (const k of keys) assert.equal(kept.get(k, () => ++made), undefined);
    assert.equal(made, 0);
    assert.equal(kept.size, 0);
  });

  test('two keys alike in their last 32 bytes: a kept one is found only by itself; the other is used the one-off way', () => {
    const kept = new RecurringKeys<string>(4);
    const a = key(1);
    const b = a.slice();
    b[0] = a[0]! ^ 0xff;
    assert.equal(kept.get(a, () => 'a'), undefined);
    assert.equal(kept.get(a, () => 'a'), 'a');
    for (let i = 0; i < 3; i++) assert.equal(kept.get(b, () => 'b'), undefined, 'never given a\'s value');
    assert.equal(kept.get(a, () => 'x'), 'a');
  });

  test('kinds apart: the same bytes under two kinds are two keys', () => {
    const kept = new RecurringKeys<string>(4);
    const k = key(7);
    kept.get(k, () => 'kem', 'ml-kem-768:');
    kept.get(k, () => 'dsa', 'ml-dsa-65:');
    assert.equal(kept.get(k, () => 'kem', 'ml-kem-768:'), 'kem');
    assert.equal(kept.get(k, () => 'dsa', 'ml-dsa-65:'), 'dsa');
  });
});
