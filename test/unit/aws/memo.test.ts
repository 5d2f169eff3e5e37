import * as assert from 'node:assert/strict';
import { Memo } from '../../../src/aws/memo';

describe('Memo', () => {
  it('starts one promise per key and hands it to every asker', async () => {
    const memo = new Memo<string, number>();
    let made = 0;
    const make = async (): Promise<number> => ++made;
    const [a, b] = await Promise.all([memo.get('k', make), memo.get('k', make)]);
    assert.deepEqual([a, b, made], [1, 1, 1]);
    assert.equal(await memo.get('other', make), 2);
    assert.equal(memo.settled('k'), 1);
  });

  it('forgets a promise that rejects, so the next ask tries again', async () => {
    const memo = new Memo<string, number>();
    await assert.rejects(memo.get('k', () => Promise.reject(new Error('no'))));
    assert.equal(memo.peek('k'), undefined);
    assert.equal(await memo.get('k', async () => 7), 7);
  });

  it('forgets a value that keep refuses', async () => {
    const memo = new Memo<string, { ok: boolean }>((value) => value.ok);
    assert.deepEqual(await memo.get('k', async () => ({ ok: false })), { ok: false });
    assert.equal(memo.peek('k'), undefined);
    assert.equal(memo.settled('k'), undefined);
    await memo.get('k', async () => ({ ok: true }));
    assert.deepEqual(memo.settled('k'), { ok: true });
  });

  it('keeps a promise pending at clear() out of the cache', async () => {
    const memo = new Memo<string, number>();
    let resolve!: (value: number) => void;
    const pending = memo.get('k', () => new Promise<number>((r) => (resolve = r)));
    const disposed: Promise<number>[] = [];
    memo.clear((promise) => disposed.push(promise));
    assert.deepEqual(disposed, [pending]);
    resolve(1);
    await pending;
    assert.equal(memo.settled('k'), undefined);
    assert.equal(await memo.get('k', async () => 2), 2);
  });
});
