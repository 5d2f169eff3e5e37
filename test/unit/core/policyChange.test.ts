import * as assert from 'node:assert/strict';
import { summarizePolicyChange } from '../../../src/core/policyChange';

const base = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:*',
      Resource: '*',
    },
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/App' }, Action: 'kms:Decrypt', Resource: '*' },
  ],
};

describe('summarizePolicyChange (the confirmation before a key policy is saved)', () => {
  it('names added, removed and changed statements and the size against the limit', () => {
    const next = structuredClone(base);
    next.Statement[0].Action = 'kms:Describe*';
    next.Statement.splice(1, 1);
    next.Statement.push({
      Sid: 'AllowEC2GrantsForEncryptedVolumes',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:role/App' },
      Action: 'kms:CreateGrant',
      Resource: '*',
    });
    const before = JSON.stringify(base, null, 2);
    const after = JSON.stringify(next, null, 2);
    const lines = summarizePolicyChange(before, after);
    assert.deepEqual(lines.slice(0, 3), [
      'Adds 1 statement(s): "AllowEC2GrantsForEncryptedVolumes".',
      'Removes 1 statement(s): a statement without Sid.',
      'Changes 1 statement(s): "Enable IAM User Permissions".',
    ]);
    assert.equal(lines[3], `Size: ${Buffer.byteLength(before)} -> ${Buffer.byteLength(after)} bytes (limit 32,768).`);
  });

  it('says when only the formatting changed', () => {
    const lines = summarizePolicyChange(JSON.stringify(base), JSON.stringify(base, null, 4));
    assert.equal(lines[0], 'No statement changes (formatting only).');
  });

  it('does not throw on text that is not JSON', () => {
    assert.doesNotThrow(() => summarizePolicyChange('{ broken', JSON.stringify(base)));
    assert.match(summarizePolicyChange('{ broken', JSON.stringify(base))[0], /^Adds 2 statement/);
  });
});
