/**
 * IAM SimulatePrincipalPolicy read as AWS returns it: per-resource results (F9), the sides of
 * a cross-account decision, source policy ids, and every page of a truncated answer.
 */
import * as assert from 'node:assert/strict';
import type { EvaluationResult, PolicySourceType, SimulatePrincipalPolicyCommandOutput } from '@aws-sdk/client-iam';
import { mapEvaluation, simulatePrincipalPolicy } from '../../../src/aws/iam';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { Outcome } from '../../../src/core/model';
import { F9_SIMULATION } from './realResponses';

/** What real answers say, though the SDK's enum spells policy types in lower case (src/aws-records.md Q5). */
const IAM_POLICY = 'IAM Policy' as PolicySourceType;
const KEY_ARN = 'arn:aws:kms:eu-west-1:444455556666:key/1a2b3c4d-0002-4abc-8def-000000000002';

/** A session that answers SimulatePrincipalPolicy with the given pages, in order, and records each request. */
function pagedSession(pages: Partial<SimulatePrincipalPolicyCommandOutput>[]): {
  session: SessionPort;
  inputs: Record<string, unknown>[];
} {
  const inputs: Record<string, unknown>[] = [];
  const session = {
    send<Output>(
      _service: string,
      _profile: string,
      _region: string,
      command: SdkCommand<Output>,
    ): Promise<Outcome<Output>> {
      inputs.push(command.input as Record<string, unknown>);
      const page = pages[inputs.length - 1];
      if (!page)
        return Promise.resolve({ ok: false, error: { kind: 'unknown', message: 'no more pages', nextStep: '' } });
      return Promise.resolve({ ok: true, value: page as Output });
    },
  } as unknown as SessionPort;
  return { session, inputs };
}

const input = {
  policySourceArn: 'arn:aws:iam::111122223333:role/ops/Operator',
  actionNames: ['kms:CreateGrant'],
  resourceArns: [KEY_ARN],
  context: [],
};

describe('mapEvaluation as IAM answers with resource ARNs', () => {
  it('F9: reads missing context from ResourceSpecificResults, where IAM puts it when resources are named', () => {
    const [evaluation] = F9_SIMULATION.EvaluationResults;
    const result = mapEvaluation(evaluation as unknown as EvaluationResult);
    assert.deepEqual(result.missingContextValues, ['kms:EncryptionContext:aws:ebs:id']);
    assert.equal(result.decision, 'implicitDeny');
    assert.equal(result.allowedByOrganizations, true);
    // Present but empty: a same-account simulation of a named resource.
    assert.deepEqual(result.decisionDetails, []);
    assert.deepEqual(result.resourceResults, [
      {
        resource: 'arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-0001-4abc-8def-000000000001',
        decision: 'implicitDeny',
        matchedStatements: [],
        missingContextValues: ['kms:EncryptionContext:aws:ebs:id'],
      },
    ]);
  });

  it('says which side of a cross-account simulation allowed and which did not, with the allowing policy', () => {
    const result = mapEvaluation({
      EvalActionName: 'kms:CreateGrant',
      EvalResourceName: KEY_ARN,
      EvalDecision: 'implicitDeny',
      MatchedStatements: [{ SourcePolicyId: 'role_Operator_kms-use', SourcePolicyType: IAM_POLICY }],
      EvalDecisionDetails: { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' },
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
      ResourceSpecificResults: [
        {
          EvalResourceName: KEY_ARN,
          EvalResourceDecision: 'implicitDeny',
          MatchedStatements: [{ SourcePolicyId: 'role_Operator_kms-use', SourcePolicyType: IAM_POLICY }],
          MissingContextValues: [],
          EvalDecisionDetails: { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' },
          PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
        },
      ],
    });
    assert.deepEqual(result.decisionDetails, [
      { source: 'IAM Policy', decision: 'allowed' },
      { source: 'Resource Policy', decision: 'implicitDeny' },
    ]);
    assert.deepEqual(result.matchedStatements, [
      { sourcePolicyId: 'role_Operator_kms-use', sourcePolicyType: 'IAM Policy' },
    ]);
    assert.deepEqual(result.resourceResults?.[0]?.decisionDetails, result.decisionDetails);
    assert.equal(result.resourceResults?.[0]?.allowedByPermissionsBoundary, true);
  });

  it('reads a decision word it does not know as not allowed, and keeps each missing key once', () => {
    const result = mapEvaluation({
      EvalActionName: 'kms:CreateGrant',
      EvalDecision: 'maybe' as EvaluationResult['EvalDecision'],
      MissingContextValues: ['kms:GrantIsForAWSResource'],
      EvalDecisionDetails: { 'IAM Policy': 'sure' as 'allowed' },
      ResourceSpecificResults: [
        { EvalResourceName: 'r', EvalResourceDecision: 'allowed', MissingContextValues: ['kms:GrantIsForAWSResource'] },
      ],
    });
    assert.equal(result.decision, 'implicitDeny');
    assert.deepEqual(result.decisionDetails, [{ source: 'IAM Policy', decision: 'implicitDeny' }]);
    assert.deepEqual(result.missingContextValues, ['kms:GrantIsForAWSResource']);
  });
});

describe('simulatePrincipalPolicy', () => {
  it('reads every page of a truncated answer, sending the Marker back', async () => {
    const { session, inputs } = pagedSession([
      {
        EvaluationResults: [{ EvalActionName: 'kms:CreateGrant', EvalDecision: 'allowed' }],
        IsTruncated: true,
        Marker: 'page-2',
      },
      { EvaluationResults: [{ EvalActionName: 'kms:Decrypt', EvalDecision: 'explicitDeny' }], IsTruncated: false },
    ]);
    const out = await simulatePrincipalPolicy(session, 'p', 'eu-west-1', input);
    assert.ok(out.ok);
    assert.deepEqual(
      out.value.map((r) => [r.action, r.decision]),
      [
        ['kms:CreateGrant', 'allowed'],
        ['kms:Decrypt', 'explicitDeny'],
      ],
    );
    assert.equal(inputs.length, 2);
    assert.equal(inputs[0]?.Marker, undefined);
    assert.equal(inputs[1]?.Marker, 'page-2');
    assert.deepEqual(inputs[0]?.ResourceArns, [KEY_ARN]);
  });

  it('stops at a truncated page without a Marker, and at the page cap when IAM never stops', async () => {
    const noMarker = pagedSession([{ EvaluationResults: [], IsTruncated: true }]);
    assert.ok((await simulatePrincipalPolicy(noMarker.session, 'p', 'eu-west-1', input)).ok);
    assert.equal(noMarker.inputs.length, 1);
    const endless = pagedSession(
      Array.from({ length: 50 }, () => ({ EvaluationResults: [], IsTruncated: true, Marker: 'again' })),
    );
    assert.ok((await simulatePrincipalPolicy(endless.session, 'p', 'eu-west-1', input)).ok);
    assert.equal(endless.inputs.length, 10);
  });

  it('hands a failed page on as the failure, not a partial answer', async () => {
    const { session } = pagedSession([
      {
        EvaluationResults: [{ EvalActionName: 'kms:CreateGrant', EvalDecision: 'allowed' }],
        IsTruncated: true,
        Marker: 'm',
      },
    ]);
    const out = await simulatePrincipalPolicy(session, 'p', 'eu-west-1', input);
    assert.ok(!out.ok);
  });
});
