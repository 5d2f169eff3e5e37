/**
 * Instances terminated at launch by the services that launch for you (Auto Scaling, EC2
 * Fleet, Karpenter) or by RunInstances: keys from the denied KMS event, the launch
 * template, the AMI's snapshots and the EBS defaults; the launching principal from the
 * event; the documented fixes for a service-linked role (src/aws-records.md Q3, Q4, M1, M2).
 */
import * as assert from 'node:assert/strict';
import { diagnoseInstance, type DiagnosisReport, type GrantFix, type KeyPolicyFix } from '../../../src/core/diagnosis';
import type { TrailEvent } from '../../../src/core/model';
import { SLR_ATTACH_SID, SLR_USE_SID } from '../../../src/core/launch/serviceRoleFixes';
import {
  ACCOUNT,
  DELEGATING_POLICY,
  NOW,
  OTHER_ACCOUNT,
  USER_ARN,
  baseWorld,
  deniedGrant,
  fakePorts,
  groupSummary,
  key,
  type World,
} from './fakes';
import { F3_DENIED_DATA_KEY, F6_TERMINATED_AT_LAUNCH } from './realRecords';

const REGION = 'us-west-2';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const LAUNCH_TIME = '2024-05-01T10:00:00.000Z';
const TEMPLATE_ID = 'lt-0abc1234def567890';
const IMAGE_ID = 'ami-0abcdef1234567890';

/** F3 as if it had just happened: the clock of these tests is NOW. */
const F3_NOW: TrailEvent = { ...F3_DENIED_DATA_KEY, eventTime: '2024-05-01T10:00:02Z' };

function delegating(region = REGION): string {
  return DELEGATING_POLICY.replace(/eu-west-1/g, region);
}

/** F6 launched by an Auto Scaling group from a template whose root volume names the key. */
function groupLaunch(overrides: Partial<World> = {}): World {
  return baseWorld({
    instance: {
      ...F6_TERMINATED_AT_LAUNCH,
      launchTime: LAUNCH_TIME,
      imageId: IMAGE_ID,
      launchTemplate: { id: TEMPLATE_ID, version: '3' },
      autoScalingGroupName: 'eks-new_nodegroup_1',
    },
    volumes: [],
    keys: [key({ arn: KEY_ARN, keyId: KEY_ID })],
    keyPolicies: { [KEY_ARN]: delegating() },
    templates: [
      {
        templateId: TEMPLATE_ID,
        versionNumber: 3,
        defaultVersion: true,
        imageId: IMAGE_ID,
        blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN }],
      },
    ],
    images: [
      { imageId: IMAGE_ID, ownerId: ACCOUNT, blockDevices: [{ deviceName: '/dev/xvda', snapshotId: 'snap-root' }] },
    ],
    snapshots: [{ snapshotId: 'snap-root', ownerId: ACCOUNT, encrypted: false }],
    events: [F3_NOW],
    ...overrides,
  });
}

async function diagnose(world: World): Promise<DiagnosisReport> {
  return diagnoseInstance({ instanceId: world.instance.id, profile: 'dev', region: REGION }, fakePorts(world), {
    now: () => NOW,
  });
}

function keyPolicyFixes(report: DiagnosisReport): KeyPolicyFix[] {
  return report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
}

describe('an Auto Scaling launch denied GenerateDataKeyWithoutPlaintext (F3, F6)', () => {
  it('blames the service-linked role from the denied event, not the profile, and never says "not KMS"', async () => {
    const report = await diagnose(groupLaunch());
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.principal?.source, 'cloudtrail-kms-denial');
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.equal(report.principal?.launcher, 'auto-scaling');
    assert.equal(report.principal?.serviceLinked, true);
    assert.equal(report.verdict.principalArn, SLR_ARN);
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.doesNotMatch(report.verdict.summary, /No volume is encrypted/);
    assert.match(
      report.verdict.summary,
      /KMS denied GenerateDataKeyWithoutPlaintext to arn:aws:sts::111122223333:assumed-role\/AWSServiceRoleForAutoScaling\/AutoScaling/,
    );
  });

  it('fixes with the two documented key policy statements for the role, never an IAM statement', async () => {
    const report = await diagnose(groupLaunch());
    assert.ok(
      report.fixes.every((f) => f.target !== 'identity-policy'),
      JSON.stringify(report.fixes),
    );
    const fixes = keyPolicyFixes(report);
    assert.deepEqual(
      fixes.map((f) => f.statement.Sid),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
    const [use, attach] = fixes;
    assert.deepEqual(use.statement.Action, [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:DescribeKey',
    ]);
    assert.deepEqual(use.statement.Principal, { AWS: SLR_ARN });
    assert.equal(attach.statement.Action, 'kms:CreateGrant');
    assert.deepEqual(attach.statement.Condition, { Bool: { 'kms:GrantIsForAWSResource': true } });
    assert.ok(fixes.every((f) => f.role === 'required' && f.keyArn === KEY_ARN));
    assert.match(report.verdict.nextStep, /service-linked role: its permissions are set by AWS and cannot be edited/);
  });

  it('the key named by the event leads; the template agrees, one key', async () => {
    const report = await diagnose(groupLaunch());
    const keys = report.steps.find((s) => s.id === 'kms-keys');
    assert.deepEqual(
      keys?.evidence.map((e) => e.label),
      [`${KEY_ARN} (named by CloudTrail)`],
    );
  });

  it('with 100 ms per call stays within 5 rounds', async () => {
    const report = await diagnose(groupLaunch({ delayMs: 100 }));
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('an older denial, far from the launch, is not taken as this launch’s', async () => {
    const report = await diagnose(groupLaunch({ events: [{ ...F3_NOW, eventTime: '2024-05-01T09:30:00Z' }] }));
    assert.equal(report.principal?.source, 'auto-scaling-group', "the group's role, not the old denial's caller");
    assert.equal(report.principal?.policyArn, SLR_ARN);
    // The key still comes from the template.
    const keys = report.steps.find((s) => s.id === 'kms-keys');
    assert.deepEqual(
      keys?.evidence.map((e) => e.label),
      [`${KEY_ARN} (from the launch template: /dev/xvda)`],
    );
  });

  it('a key policy with the grant statement but not the use statement still fails the role', async () => {
    const grantOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: SLR_ATTACH_SID,
          Effect: 'Allow',
          Principal: { AWS: SLR_ARN },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ],
    });
    const report = await diagnose(groupLaunch({ keyPolicies: { [KEY_ARN]: grantOnly } }));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.match(
      report.verdict.summary,
      /does not let .* use the key \(kms:GenerateDataKeyWithoutPlaintext, kms:Decrypt, kms:ReEncryptFrom, kms:DescribeKey\)/,
    );
    assert.deepEqual(
      keyPolicyFixes(report).map((f) => f.statement.Sid),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
  });

  it('with both documented statements in the key policy, no permission verdict', async () => {
    const documented = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: SLR_USE_SID,
          Effect: 'Allow',
          Principal: { AWS: SLR_ARN },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
        },
        {
          Sid: SLR_ATTACH_SID,
          Effect: 'Allow',
          Principal: { AWS: SLR_ARN },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
        },
      ],
    });
    const report = await diagnose(groupLaunch({ keyPolicies: { [KEY_ARN]: documented }, events: [] }));
    assert.notEqual(report.verdict.code, 'kms-create-grant-not-allowed');
  });
});

describe("the group's role when CloudTrail names no one", () => {
  it("takes the group's ServiceLinkedRoleARN, custom suffix and all", async () => {
    const custom = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_nodes`;
    const report = await diagnose(
      groupLaunch({
        events: [],
        groups: [groupSummary('eks-new_nodegroup_1', REGION, { serviceLinkedRoleArn: custom })],
      }),
    );
    assert.equal(report.principal?.source, 'auto-scaling-group');
    assert.equal(report.principal?.policyArn, custom);
    assert.equal(report.verdict.principalArn, custom);
    assert.ok(
      report.fixes.every((f) => f.target === 'key-policy' && f.principalArn === custom),
      JSON.stringify(report.fixes),
    );
  });
});

describe('service-linked and launcher roles by name', () => {
  const cases: [string, string, string, boolean][] = [
    ['AWSServiceRoleForAutoScaling_nodes', 'aws-service-role/autoscaling.amazonaws.com/', 'auto-scaling', true],
    ['AWSServiceRoleForEC2Fleet', 'aws-service-role/ec2fleet.amazonaws.com/', 'ec2-fleet', true],
    ['AWSServiceRoleForEC2Spot', 'aws-service-role/spot.amazonaws.com/', 'ec2-spot', true],
  ];
  for (const [roleName, path, launcher, serviceLinked] of cases) {
    it(`${roleName}: the role with its path, launcher ${launcher}, key policy fixes only`, async () => {
      const session = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/session`;
      const event: TrailEvent = {
        ...F3_NOW,
        userArn: session,
        sessionIssuerArn: undefined,
        errorMessage: F3_NOW.errorMessage?.replace(
          /assumed-role\/AWSServiceRoleForAutoScaling\/AutoScaling/,
          `assumed-role/${roleName}/session`,
        ),
      };
      const report = await diagnose(groupLaunch({ events: [event] }));
      assert.equal(report.principal?.policyArn, `arn:aws:iam::${ACCOUNT}:role/${path}${roleName}`);
      assert.equal(report.principal?.policyArnCertain, true);
      assert.equal(report.principal?.launcher, launcher);
      assert.equal(report.principal?.serviceLinked, serviceLinked);
      assert.ok(
        report.fixes.length > 0 && report.fixes.every((f) => f.target === 'key-policy'),
        JSON.stringify(report.fixes),
      );
    });
  }

  it("Karpenter's controller role (a regular role calling CreateFleet) may get an IAM fix", async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/KarpenterControllerRole-prod`;
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/KarpenterControllerRole-prod/1700000000000`;
    const grant = deniedGrant({
      eventTime: '2024-05-01T10:00:02Z',
      userArn: session,
      sessionIssuerArn: role,
      keyId: KEY_ARN,
      errorMessage: `User: ${session} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} because no identity-based policy allows the kms:CreateGrant action`,
      granteePrincipal: `arn:aws:sts::${ACCOUNT}:assumed-role/aws:ec2-infrastructure/${F6_TERMINATED_AT_LAUNCH.id}`,
    });
    const report = await diagnose(groupLaunch({ events: [grant] }));
    assert.equal(report.principal?.launcher, 'karpenter');
    assert.equal(report.principal?.serviceLinked, false);
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
    assert.ok(
      report.fixes.some((f) => f.target === 'identity-policy' && f.principalArn === role),
      JSON.stringify(report.fixes),
    );
    // The launch creates the volume: the grant alone would leave the next launch denied the data key.
    const identity = report.fixes
      .filter((f) => f.target === 'identity-policy')
      .map((f) => ('statement' in f ? f.statement : {}));
    assert.deepEqual(
      identity.map((st) => st.Action),
      [
        ['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey'],
        ['kms:CreateGrant'],
      ],
    );
    assert.deepEqual(identity[1].Condition, { Bool: { 'kms:GrantIsForAWSResource': true } });
    assert.ok(identity.every((st) => JSON.stringify(st.Resource) === JSON.stringify([KEY_ARN])));
  });

  it('a user whose RunInstances was denied the data key gets both key user statements in the key policy', async () => {
    const denial: TrailEvent = {
      ...F3_NOW,
      userArn: USER_ARN,
      sessionIssuerArn: undefined,
      errorMessage: `User: ${USER_ARN} is not authorized to perform: kms:GenerateDataKeyWithoutPlaintext on resource: ${KEY_ARN} because no resource-based policy allows the kms:GenerateDataKeyWithoutPlaintext action`,
    };
    const report = await diagnose(
      groupLaunch({
        instance: {
          ...F6_TERMINATED_AT_LAUNCH,
          launchTime: LAUNCH_TIME,
          imageId: IMAGE_ID,
          launchTemplate: { id: TEMPLATE_ID, version: '3' },
        },
        keyPolicies: { [KEY_ARN]: JSON.stringify({ Version: '2012-10-17', Statement: [] }) },
        events: [denial],
      }),
    );
    assert.equal(report.principal?.arn, USER_ARN);
    assert.equal(report.principal?.source, 'cloudtrail-kms-denial');
    assert.deepEqual(
      keyPolicyFixes(report).map((f) => f.statement.Sid),
      ['Allow use of the key', 'Allow attachment of persistent resources'],
    );
  });
});

describe('keys of a launch no event names', () => {
  it("RunInstances from an AMI whose encrypted snapshot is another account's: the snapshot's key", async () => {
    const sharedKey = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/5555aaaa-12ab-34cd-56ef-1234567890ab`;
    const report = await diagnose(
      groupLaunch({
        instance: { ...F6_TERMINATED_AT_LAUNCH, launchTime: LAUNCH_TIME, imageId: IMAGE_ID },
        templates: [],
        snapshots: [{ snapshotId: 'snap-root', ownerId: OTHER_ACCOUNT, encrypted: true, kmsKeyId: sharedKey }],
        keys: [key({ arn: sharedKey, keyId: '5555aaaa-12ab-34cd-56ef-1234567890ab', accountId: OTHER_ACCOUNT })],
        keyPolicies: {},
        events: [],
      }),
    );
    const keys = report.steps.find((s) => s.id === 'kms-keys');
    assert.deepEqual(
      keys?.evidence.map((e) => e.label),
      [`${sharedKey} (from the AMI's snapshot: /dev/xvda)`],
    );
    assert.deepEqual(
      report.keys.map((k) => k.accountId),
      [OTHER_ACCOUNT],
    );
    assert.doesNotMatch(report.verdict.summary, /No volume is encrypted/);
  });

  it("encryption by default: the account's customer managed default key (an EKS node group on it)", async () => {
    const defaultKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/dddd0000-12ab-34cd-56ef-1234567890ab`;
    const report = await diagnose(
      groupLaunch({
        templates: [
          {
            templateId: TEMPLATE_ID,
            versionNumber: 3,
            defaultVersion: true,
            blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }],
          },
        ],
        defaults: { encryptionByDefault: true, defaultKmsKeyId: defaultKey },
        keys: [key({ arn: defaultKey, keyId: 'dddd0000-12ab-34cd-56ef-1234567890ab', state: 'Disabled' })],
        events: [],
      }),
    );
    assert.equal(report.verdict.code, 'kms-key-disabled');
    assert.equal(report.verdict.keyArn, defaultKey);
    const keys = report.steps.find((s) => s.id === 'kms-keys');
    assert.match(keys?.evidence[0]?.label ?? '', /the account's default EBS key \(encryption by default\)/);
  });

  it('a template read that fails is a visible limitation, not a silent gap', async () => {
    const world = groupLaunch({ events: [] });
    world.failures.describeLaunchTemplateVersions = {
      kind: 'access-denied',
      message: 'denied (test)',
      nextStep: 'fix it',
      action: 'ec2:DescribeLaunchTemplateVersions',
    };
    const report = await diagnose(world);
    assert.ok(
      report.verdict.caveats.some((c) => /Launch keys: Allow ec2:DescribeLaunchTemplateVersions/.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
  });
});

describe('a service-linked role and a key of another account', () => {
  const crossKey = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/7777aaaa-12ab-34cd-56ef-1234567890ab`;
  it('fixes with the key policy for the launching account and a grant created from it', async () => {
    const event: TrailEvent = {
      ...F3_NOW,
      keyId: crossKey,
      errorMessage: F3_NOW.errorMessage?.replace(KEY_ARN, crossKey),
    };
    const report = await diagnose(
      groupLaunch({
        templates: [
          {
            templateId: TEMPLATE_ID,
            versionNumber: 3,
            defaultVersion: true,
            blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: crossKey }],
          },
        ],
        keys: [key({ arn: crossKey, keyId: '7777aaaa-12ab-34cd-56ef-1234567890ab', accountId: OTHER_ACCOUNT })],
        keyPolicies: {},
        events: [event],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(report.fixes.every((f) => f.target !== 'identity-policy'));
    const grant = report.fixes.find((f): f is GrantFix => f.target === 'grant');
    assert.ok(grant, JSON.stringify(report.fixes));
    assert.equal(grant.account, ACCOUNT);
    assert.equal(grant.principalArn, SLR_ARN);
    assert.deepEqual(grant.command.slice(0, 8), [
      'aws',
      'kms',
      'create-grant',
      '--key-id',
      crossKey,
      '--grantee-principal',
      SLR_ARN,
      '--operations',
    ]);
    assert.deepEqual(grant.operations, [
      'Decrypt',
      'GenerateDataKeyWithoutPlaintext',
      'ReEncryptFrom',
      'ReEncryptTo',
      'CreateGrant',
      'DescribeKey',
    ]);
    assert.deepEqual(grant.args, {
      profile: 'dev',
      region: REGION,
      keyArn: crossKey,
      granteePrincipal: SLR_ARN,
      operations: grant.operations,
    });
    const keyPolicy = keyPolicyFixes(report);
    assert.deepEqual(
      keyPolicy.map((f) => f.principalArn),
      [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:root`],
    );
    assert.match(keyPolicy[0].note ?? '', new RegExp(`In account ${OTHER_ACCOUNT}`));
    assert.ok(
      report.fixes.indexOf(grant) > report.fixes.indexOf(keyPolicy[1]),
      'the key policy comes before the grant that relies on it',
    );
  });
});

describe('an instance with volumes keeps its three rounds and one lookup', () => {
  it('no launch reads for a stopped instance that lists its volumes', async () => {
    const ports = fakePorts(baseWorld());
    await diagnoseInstance({ instanceId: baseWorld().instance.id, profile: 'dev', region: 'eu-west-1' }, ports, {
      now: () => NOW,
    });
    assert.ok(
      !ports.log.some((l) => /describeLaunchTemplateVersions|describeImages|describeSnapshots|GenerateDataKey/.test(l)),
      ports.log.join('\n'),
    );
    assert.equal(USER_ARN.length > 0, true);
  });
});

describe('a warm pool instance started by Auto Scaling', () => {
  it('the stopped instance Auto Scaling starts from the pool: the role from the denied grant, the documented statements', async () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling';
    const slrEu = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const world = baseWorld({
      keyPolicies: { [baseWorld().keys[0].arn]: DELEGATING_POLICY },
      events: [
        deniedGrant({
          userArn: session,
          sessionIssuerArn: slrEu,
          errorMessage: `User: ${session} is not authorized to perform: kms:CreateGrant on resource: ${baseWorld().keys[0].arn} because no identity-based policy allows the kms:CreateGrant action`,
        }),
      ],
    });
    const report = await diagnoseInstance(
      { instanceId: world.instance.id, profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.principal?.policyArn, slrEu);
    assert.equal(report.principal?.serviceLinked, true);
    assert.ok(
      report.fixes.every((f) => f.target === 'key-policy'),
      JSON.stringify(report.fixes),
    );
    // A warm pool instance keeps its volumes: restarting them needs only the grant, yet the role's documented statements are both given.
    assert.deepEqual(
      keyPolicyFixes(report).map((f) => f.statement.Sid),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
  });
});
