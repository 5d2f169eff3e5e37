import * as assert from 'node:assert/strict';
import { evaluateCondition, normalizeContext } from '../../../src/core/policy/conditions';
import { evaluateCreateGrant } from '../../../src/core/policy';

const EMPTY = normalizeContext({});

describe('condition operators on a key missing from the request', () => {
  it('ForAnyValue:...IfExists holds, like any IfExists operator', () => {
    assert.equal(
      evaluateCondition({ 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } }, EMPTY),
      true,
    );
    assert.equal(evaluateCondition({ 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['team*'] } }, EMPTY), true);
  });

  it('ForAnyValue without IfExists does not hold; ForAllValues holds with or without it', () => {
    assert.equal(
      evaluateCondition({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } }, EMPTY),
      false,
    );
    assert.equal(
      evaluateCondition({ 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } }, EMPTY),
      true,
    );
    assert.equal(
      evaluateCondition({ 'ForAllValues:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } }, EMPTY),
      true,
    );
  });

  it('ForAnyValue:...IfExists still compares a key that is present', () => {
    const context = normalizeContext({ 'kms:EncryptionContextKeys': ['aws:ebs:id'] });
    assert.equal(
      evaluateCondition({ 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } }, context),
      true,
    );
    assert.equal(
      evaluateCondition({ 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'other' } }, context),
      false,
    );
  });

  it("so a key policy Allow scoped that way applies to EC2's grant, which carries no encryption context keys", () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:role/AppRole' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } },
        },
      ],
    };
    assert.equal(
      evaluateCreateGrant(policy, 'arn:aws:iam::111122223333:role/AppRole', { region: 'eu-west-1' }).verdict,
      'allowed',
    );
  });
});
