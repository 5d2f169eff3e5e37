import * as assert from 'node:assert/strict';
import { groupedCount, KEY_POLICY_SIZE_LIMIT_TEXT } from '../../../src/core/policy/limits';
import { seededRandom } from '../../support/random';

describe('groupedCount: counts grouped by commas without Intl at load', () => {
  it('writes what toLocaleString("en-US") writes, for edges and 20,000 random counts', () => {
    const random = seededRandom(20261201);
    const edges = [
      0,
      1,
      12,
      123,
      999,
      1000,
      9999,
      10_000,
      32_768,
      999_999,
      1_000_000,
      2_000_000,
      Number.MAX_SAFE_INTEGER,
    ];
    const randoms = Array.from({ length: 20_000 }, () => Math.floor(random() * 10 ** Math.floor(random() * 16)));
    for (const n of [...edges, ...randoms]) assert.equal(groupedCount(n), n.toLocaleString('en-US'), String(n));
  });

  it('leaves counts it does not group (negative, fractional, unsafe) to toLocaleString', () => {
    for (const n of [-1, -32768, 1.5, 2 ** 60]) assert.equal(groupedCount(n), n.toLocaleString('en-US'));
  });

  it('words the key policy limit as people read it', () => {
    assert.equal(KEY_POLICY_SIZE_LIMIT_TEXT, '32,768');
  });
});
