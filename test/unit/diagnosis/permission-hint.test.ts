import * as assert from 'node:assert/strict';
import { messagesFor } from '../../../src/core/diagnosis/messages';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0001';

describe('permission hints for a check AWS refused', () => {
  const say = messagesFor('dev-operator');

  it('points at the key policy when KMS says no resource-based policy allows the call', () => {
    const hint = say.permissionHint(
      {
        kind: 'access-denied',
        action: 'kms:GetKeyPolicy',
        message: `User: arn:aws:sts::111111111111:assumed-role/Operator/jane is not authorized to perform: kms:GetKeyPolicy on resource: ${KEY} because no resource-based policy allows the kms:GetKeyPolicy action`,
        nextStep: '',
      },
      'kms:GetKeyPolicy',
      KEY,
    );
    assert.match(
      hint,
      /^The key policy of arn:aws:kms:eu-west-1:111111111111:key\/1a2b3c4d-0001 must allow kms:GetKeyPolicy for the identity of profile "dev-operator"/,
    );
    assert.match(hint, /an IAM policy cannot help/);
  });

  it('asks for an IAM allow when an identity-based policy is what is missing', () => {
    const hint = say.permissionHint(
      {
        kind: 'access-denied',
        action: 'kms:GetKeyPolicy',
        message: `User: arn:aws:iam::111111111111:user/bob is not authorized to perform: kms:GetKeyPolicy on resource: ${KEY} because no identity-based policy allows the kms:GetKeyPolicy action`,
        nextStep: '',
      },
      'kms:GetKeyPolicy',
      KEY,
    );
    assert.equal(
      hint,
      `Allow kms:GetKeyPolicy on ${KEY} for the identity of profile "dev-operator" to let this check run.`,
    );
  });
});
