import * as assert from 'node:assert/strict';
import { iamPrincipalConsoleUrl } from '../../../src/core/console';
import type { DiagnosisReport, Fix, GroupDiagnosisReport } from '../../../src/core/diagnosis/types';
import {
  groupReportActions,
  groupVerdictLine,
  reportActions,
  verdictLine,
} from '../../../src/vscode/diagnose/reportActions';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0002-4abc-8def-000000000002';
const ROLE = 'arn:aws:iam::111111111111:role/Operator';

function report(code: string, fixes: Fix[], state = 'stopped'): DiagnosisReport {
  return {
    instanceId: 'i-00de0000000000004',
    profile: 'dev-admin',
    region: 'eu-west-1',
    instance: { name: 'app-1', state },
    verdict: { code, title: 't', keyArn: KEY, principalArn: ROLE },
    principal: { arn: 'arn:aws:sts::111111111111:assumed-role/Operator/jane', policyArn: ROLE },
    fixes,
  } as unknown as DiagnosisReport;
}

const labels = (r: DiagnosisReport) => reportActions(r).map((a) => a.label);
const argsOf = (target: string) => JSON.parse(decodeURIComponent(target.slice(target.indexOf('?') + 1)))[0];

describe('The actions at the top of a report', () => {
  it('links an explicit Deny, which has no statement to add, to the key policy and the IAM page', () => {
    const actions = reportActions(report('kms-create-grant-explicit-deny', []));
    assert.deepEqual(
      actions.map((a) => a.label),
      [
        'Open key policy',
        'Open IAM policies of the principal',
        'Start instance again',
        'Diagnose again',
        'Copy report',
      ],
    );
    assert.match(actions[0].target, /^command:ec2LaunchDoctor\.openKeyPolicy\?/);
    assert.deepEqual(argsOf(actions[0].target), {
      profile: 'dev-admin',
      region: 'eu-west-1',
      keyArn: KEY,
      principalArn: ROLE,
    });
    assert.equal(actions[1].target, 'https://console.aws.amazon.com/iam/home#/roles/details/Operator');
  });

  it('opens the key policy of the key-policy fix, and the IAM page of an identity-policy fix', () => {
    const fixes: Fix[] = [
      { target: 'key-policy', keyArn: KEY, principalArn: ROLE, statement: {}, role: 'alternative' },
      { target: 'identity-policy', keyArn: KEY, principalArn: ROLE, statement: {}, role: 'alternative' },
    ];
    assert.deepEqual(labels(report('kms-create-grant-not-allowed', fixes)).slice(0, 2), [
      'Open key policy',
      'Open IAM policies of the principal',
    ]);
  });

  it('offers no edit link when the fix is not an edit, and no start for an instance that is not stopped', () => {
    assert.deepEqual(labels(report('kms-key-disabled', [], 'running')), ['Diagnose again', 'Copy report']);
  });

  it('links only IAM users and roles to the IAM console, in their partition', () => {
    assert.equal(
      iamPrincipalConsoleUrl('eu-west-1', 'arn:aws:iam::111111111111:user/ops/alice'),
      'https://console.aws.amazon.com/iam/home#/users/details/alice',
    );
    assert.match(
      iamPrincipalConsoleUrl('cn-north-1', 'arn:aws-cn:iam::111111111111:role/R') ?? '',
      /^https:\/\/console\.amazonaws\.cn\//,
    );
    assert.equal(iamPrincipalConsoleUrl('eu-west-1', 'arn:aws:sts::111111111111:assumed-role/R/s'), undefined);
    assert.equal(iamPrincipalConsoleUrl('eu-west-1', 'arn:aws:iam::111111111111:role/<script>'), undefined);
  });
});

describe('The one-line verdict', () => {
  it('names the instance, the principal and the key by their names, not ARNs', () => {
    const r = {
      ...report('kms-create-grant-not-allowed', []),
      keys: [{ keyId: 'k', arn: KEY, aliases: ['alias/app-data'] }],
    } as unknown as DiagnosisReport;
    r.verdict.title = 'Missing kms:CreateGrant permission';
    assert.equal(
      verdictLine(r),
      'app-1 (i-00de0000000000004): Missing kms:CreateGrant permission for role Operator on key alias/app-data.',
    );
    const bare = {
      ...r,
      keys: [],
      verdict: { ...r.verdict, principalArn: undefined },
      principal: undefined,
    } as unknown as DiagnosisReport;
    assert.equal(
      verdictLine(bare),
      'app-1 (i-00de0000000000004): Missing kms:CreateGrant permission on key 1a2b3c4d-0002-4abc-8def-000000000002.',
    );
  });
});

describe('The actions at the top of an Auto Scaling group report', () => {
  const SLR = 'arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
  function groupReport(fixes: Fix[]): GroupDiagnosisReport {
    return {
      subject: 'auto-scaling-group',
      groupName: 'eks-nodes-asg',
      profile: 'dev-admin',
      region: 'eu-west-1',
      verdict: { code: 'kms-create-grant-not-allowed', title: 'Missing grant', keyArn: KEY, principalArn: SLR },
      keys: [{ arn: KEY, keyId: 'k', aliases: ['alias/eks'] }],
      fixes,
    } as unknown as GroupDiagnosisReport;
  }

  it('opens the key policy of the fix, then diagnoses again and checks launch readiness, for the group', () => {
    const fix: Fix = { target: 'key-policy', keyArn: KEY, principalArn: SLR, statement: {}, role: 'required' };
    const actions = groupReportActions(groupReport([fix]));
    assert.deepEqual(
      actions.map((a) => a.label),
      ['Open key policy', 'Diagnose again', 'Check launch readiness'],
    );
    assert.deepEqual(argsOf(actions[0].target), {
      profile: 'dev-admin',
      region: 'eu-west-1',
      keyArn: KEY,
      principalArn: SLR,
    });
    const group = { profile: 'dev-admin', region: 'eu-west-1', groupName: 'eks-nodes-asg' };
    assert.match(actions[1].target, /^command:ec2LaunchDoctor\.diagnoseAutoScalingGroup\?/);
    assert.deepEqual(argsOf(actions[1].target), group);
    assert.match(actions[2].target, /^command:ec2LaunchDoctor\.checkLaunchReadiness\?/);
    assert.deepEqual(argsOf(actions[2].target), group);
  });

  it('creates the grant of a grant fix, enables a disabled key, and always offers the two checks', () => {
    const args = {
      profile: 'dev-admin',
      region: 'eu-west-1',
      keyArn: KEY,
      granteePrincipal: SLR,
      operations: ['Decrypt'],
    };
    const grant: Fix = {
      target: 'grant',
      keyArn: KEY,
      principalArn: SLR,
      operations: ['Decrypt'],
      account: '111111111111',
      command: [],
      args,
      role: 'required',
    };
    const enable: Fix = { target: 'key-state', keyArn: KEY, action: 'enable-key', role: 'required' };
    const actions = groupReportActions(groupReport([grant, enable]));
    assert.deepEqual(
      actions.map((a) => a.label),
      ['Create grant', 'Enable key', 'Diagnose again', 'Check launch readiness'],
    );
    assert.deepEqual(argsOf(actions[0].target), args);
    assert.deepEqual(argsOf(actions[1].target), { profile: 'dev-admin', keyArn: KEY, action: 'enable-key' });
    assert.deepEqual(
      groupReportActions(groupReport([])).map((a) => a.label),
      ['Diagnose again', 'Check launch readiness'],
    );
  });

  it('words the verdict with the group, the role and the key by name', () => {
    assert.equal(
      groupVerdictLine(groupReport([])),
      'Auto Scaling group eks-nodes-asg: Missing grant for role AWSServiceRoleForAutoScaling on key alias/eks.',
    );
  });
});
