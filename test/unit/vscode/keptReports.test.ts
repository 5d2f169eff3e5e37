import * as assert from 'node:assert/strict';
import { KEPT_REPORTS, dropOldest } from '../../../src/vscode/diagnose/keptReports';

const mapOf = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i] as const));

describe('how many reports the view keeps', () => {
  it('keeps the newest `limit` entries, in insertion order', () => {
    const map = mapOf(8);
    dropOldest(map, 5, () => false);
    assert.deepEqual([...map.keys()], ['k3', 'k4', 'k5', 'k6', 'k7']);
  });

  it('leaves a map within the limit as it is', () => {
    const map = mapOf(3);
    dropOldest(map, 5, () => false);
    assert.deepEqual([...map.keys()], ['k0', 'k1', 'k2']);
  });

  it('never drops an entry whose page is open, and does not count it', () => {
    const map = mapOf(8);
    dropOldest(map, 3, (key) => key === 'k0' || key === 'k6');
    assert.deepEqual([...map.keys()], ['k0', 'k4', 'k5', 'k6', 'k7']);
  });

  it('a re-inserted entry counts as the newest', () => {
    const map = mapOf(4);
    map.delete('k0');
    map.set('k0', 0);
    dropOldest(map, 2, () => false);
    assert.deepEqual([...map.keys()], ['k3', 'k0']);
  });

  it('bounds a long run of reports to KEPT_REPORTS', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      map.set(`k${i}`, i);
      dropOldest(map, KEPT_REPORTS, () => false);
    }
    assert.equal(map.size, KEPT_REPORTS);
    assert.ok(map.has('k499') && !map.has(`k${499 - KEPT_REPORTS}`));
  });
});
