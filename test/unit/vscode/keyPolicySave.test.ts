import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Outcome } from '../../../src/core/model';
import type { AwsFacade } from '../../../src/vscode/awsBridge';
import {
  backupFolderName,
  saveKeyPolicy,
  writeRefusal,
  type SaveRequest,
} from '../../../src/vscode/diagnose/keyPolicySave';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const LIVE = '{"Version":"2012-10-17","Statement":[]}';
const EDITED =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}';

/** A KMS stand-in that records who read and who wrote. */
function fakeKms(options: { policy?: string; readerFor?: (profile: string) => string } = {}) {
  const calls: string[] = [];
  const aws: Pick<AwsFacade, 'readKeyPolicy' | 'putKeyPolicy'> = {
    readKeyPolicy: async (profile, keyArn) => {
      calls.push(`read ${profile} ${keyArn}`);
      return { ok: true, value: { policy: options.policy ?? LIVE, via: options.readerFor?.(profile) ?? profile } };
    },
    putKeyPolicy: async (profile, keyArn): Promise<Outcome<void>> => {
      calls.push(`put ${profile} ${keyArn}`);
      return { ok: true, value: undefined };
    },
  };
  return { aws, calls };
}

const request: SaveRequest = { keyArn: KEY, profile: 'dev', via: 'security', live: LIVE, text: EDITED };

function steps(answer: boolean, asked: string[] = [], backups: string[] = []) {
  return {
    confirm: async (q: { message: string; detail: string }) => {
      asked.push(`${q.message}\n${q.detail}`);
      return answer;
    },
    backup: async (policy: string) => {
      backups.push(policy);
      return '/backups/x.json';
    },
  };
}

describe('saving a key policy document', () => {
  it('re-reads and writes through the profile named in the confirmation, after a backup', async () => {
    const { aws, calls } = fakeKms();
    const asked: string[] = [];
    const backups: string[] = [];
    const result = await saveKeyPolicy(aws, request, steps(true, asked, backups));
    assert.deepEqual(result, { saved: true, via: 'security', backup: '/backups/x.json' });
    assert.match(asked[0], /PutKeyPolicy through profile security/);
    assert.deepEqual(calls, [`read security ${KEY}`, `put security ${KEY}`]);
    assert.deepEqual(backups, [LIVE]);
  });

  it('writes nothing when the person does not confirm', async () => {
    const { aws, calls } = fakeKms();
    const result = await saveKeyPolicy(aws, request, steps(false));
    assert.equal(result.saved, false);
    assert.deepEqual(calls, []);
  });

  it('refuses rather than switch silently to another profile', async () => {
    const { aws, calls } = fakeKms({ readerFor: () => 'prod-admin' });
    const result = await saveKeyPolicy(aws, request, steps(true));
    assert.ok(!result.saved);
    assert.match(result.reason, /profile security, which you confirmed, no longer reads/);
    assert.ok(!calls.some((c) => c.startsWith('put')), calls.join('; '));
  });

  it('refuses when the policy changed in AWS since it was opened', async () => {
    const { aws, calls } = fakeKms({ policy: '{"Version":"2012-10-17","Statement":[{"Sid":"new"}]}' });
    const result = await saveKeyPolicy(aws, request, steps(true));
    assert.ok(!result.saved && /changed in AWS/.test(result.reason));
    assert.ok(!calls.some((c) => c.startsWith('put')));
  });

  it('writes nothing when the backup fails', async () => {
    const { aws, calls } = fakeKms();
    const result = await saveKeyPolicy(aws, request, {
      confirm: async () => true,
      backup: async () => {
        throw new Error('disk full');
      },
    });
    assert.ok(!result.saved && /could not be backed up \(disk full\)/.test(result.reason));
    assert.ok(!calls.some((c) => c.startsWith('put')));
  });

  it('rejects text KMS would not take before asking anything', async () => {
    const { aws, calls } = fakeKms();
    const asked: string[] = [];
    const notJson = await saveKeyPolicy(aws, { ...request, text: '{ // comment\n}' }, steps(true, asked));
    assert.ok(!notJson.saved && /plain JSON only/.test(notJson.reason));
    const tooBig = await saveKeyPolicy(
      aws,
      { ...request, text: JSON.stringify({ x: 'a'.repeat(40_000) }) },
      steps(true, asked),
    );
    assert.ok(!tooBig.saved && /KMS allows at most 32768/.test(tooBig.reason));
    const unread = await saveKeyPolicy(aws, { ...request, live: undefined }, steps(true, asked));
    assert.ok(!unread.saved && /reopen/.test(unread.reason));
    assert.deepEqual(asked, []);
    assert.deepEqual(calls, []);
  });
});

describe('the backup folder of a key', () => {
  it('is account-region-key for a well-formed key ARN, as before', () => {
    assert.equal(backupFolderName(KEY), '111122223333-eu-west-1-1234abcd-12ab-34cd-56ef-1234567890ab');
    assert.equal(
      backupFolderName('arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef'),
      '111122223333-cn-north-1-mrk-0123456789abcdef0123456789abcdef',
    );
  });

  it('never leaves the backup folder, whatever the ARN says', () => {
    const hostile = [
      'arn:aws:kms:eu-west-1:111122223333:key/x/../../..',
      'arn:aws:kms:eu-west-1:111122223333:key/..',
      'arn:aws:kms:eu-west-1:111122223333:key/a\\..\\..\\Windows',
      'arn:aws:kms:../..:111122223333:key/abc',
      '..',
      '../../etc',
      '/etc/passwd',
      'C:\\Windows',
      'NUL',
      'arn:aws:kms:eu-west-1:111122223333:key/abc\u0000def',
      '',
    ];
    const root = path.resolve('/backups');
    const names = new Set<string>();
    for (const arn of hostile) {
      const name = backupFolderName(arn);
      assert.match(name, /^[A-Za-z0-9-]+$/, `${JSON.stringify(arn)} -> ${name}`);
      assert.equal(path.dirname(path.resolve(root, name)), root);
      assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(name));
      names.add(name);
    }
    assert.equal(names.size, hostile.length, 'different ARNs keep different folders');
  });
});

describe('Only an explicit save writes a key policy', () => {
  it('refuses auto saves and unannounced writes, with how to write', () => {
    assert.equal(writeRefusal('explicit'), undefined);
    assert.match(writeRefusal('auto') ?? '', /auto save never writes a live key policy.*edits stay in the editor/);
    assert.match(writeRefusal('unknown') ?? '', /only by an explicit save/);
  });
});
