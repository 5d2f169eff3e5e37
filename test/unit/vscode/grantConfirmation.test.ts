import * as assert from 'node:assert/strict';
import type { CreateGrantArgs } from '../../../src/core/diagnosis';
import { checkGrantArgs, grantConfirmation, grantCreatedNote } from '../../../src/vscode/diagnose/grantConfirmation';

const ARGS: CreateGrantArgs = {
  profile: 'platform-admin',
  region: 'us-west-2',
  keyArn: 'arn:aws:kms:us-west-2:444444444444:key/5c466b7d-0044-4abc-8def-000000000044',
  granteePrincipal:
    'arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
  operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
};

describe('the create-grant confirmation', () => {
  it('names the key, the grantee, every operation and the profile it runs as', () => {
    const ask = grantConfirmation(ARGS);
    const text = `${ask.message}\n${ask.detail}`;
    assert.ok(ask.message.includes(ARGS.keyArn), text);
    assert.ok(ask.message.includes(ARGS.granteePrincipal), text);
    assert.ok(ask.detail.includes('Decrypt, GenerateDataKeyWithoutPlaintext, CreateGrant'), text);
    assert.ok(ask.detail.includes('profile platform-admin'), text);
    assert.equal(ask.confirm, 'Create Grant');
  });

  it('takes a report link argument as it is and refuses anything else', () => {
    assert.deepEqual(checkGrantArgs(ARGS), ARGS);
    assert.deepEqual(checkGrantArgs({ ...ARGS, extra: 1 }), ARGS);
    assert.equal(checkGrantArgs({ ...ARGS, granteePrincipal: '333333333333' })?.granteePrincipal, '333333333333');
    const bad: unknown[] = [
      undefined,
      null,
      'arn:aws:kms:us-west-2:444444444444:key/x',
      { ...ARGS, keyArn: 'alias/eks-nodes' },
      { ...ARGS, granteePrincipal: 'somebody' },
      { ...ARGS, operations: [] },
      { ...ARGS, operations: ['Decrypt', 7] },
      { ...ARGS, operations: ['Decrypt; rm -rf'] },
      { ...ARGS, profile: '' },
      { ...ARGS, region: undefined },
    ];
    for (const args of bad) assert.equal(checkGrantArgs(args), undefined, JSON.stringify(args));
  });

  it('says which grant was created, on which key, for whom', () => {
    const note = grantCreatedNote(ARGS, 'abc123');
    assert.equal(
      note,
      `Grant abc123 created on key 5c466b7d-0044-4abc-8def-000000000044 for ${ARGS.granteePrincipal} (Decrypt, GenerateDataKeyWithoutPlaintext, CreateGrant).`,
    );
  });
});
