/**
 * diagnoseAutoScalingGroup on fakes: the group's role is the principal, its template (version
 * resolved), overrides, AMI snapshots and EBS defaults give the keys, and the verdict and
 * fixes come from the same tables as an instance's (src/aws-records.md Q3, F3, F7).
 */
import * as assert from 'node:assert/strict';
import {
  diagnoseAutoScalingGroup,
  isAbortError,
  renderMarkdown,
  renderText,
  type GrantFix,
  type GroupDiagnosisReport,
  type KeyPolicyFix,
} from '../../../src/core/diagnosis';
import { terminationReasonOf } from '../../../src/core/diagnosis/groupEngine';
import { SLR_ATTACH_SID, SLR_USE_SID } from '../../../src/core/launch/serviceRoleFixes';
import type { AutoScalingGroupSummary, ScalingActivity, TrailEvent } from '../../../src/core/model';
import {
  ACCOUNT,
  DELEGATING_POLICY,
  NOW,
  OTHER_ACCOUNT,
  baseWorld,
  fakePorts,
  groupSummary,
  key,
  type World,
} from './fakes';
import { F3_DENIED_DATA_KEY } from './realRecords';

const REGION = 'us-west-2';
const GROUP = 'eks-new_nodegroup_1-abcd1234-1234-abcd-1234-1234abcd1234';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const TEMPLATE_ID = 'lt-0abc1234def567890';
const IMAGE_ID = 'ami-0abcdef1234567890';

/** F7, the matching activity, at the tests' clock. */
const F7_ACTIVITY: ScalingActivity = {
  activityId: '1234abcd-1234-abcd-1234-1234abcd1234',
  groupName: GROUP,
  description:
    'Launching a new EC2 instance: i-1234abcd1234abcd1.  Status Reason: Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
  cause:
    'At 2024-05-01T10:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.',
  statusCode: 'Cancelled',
  statusMessage:
    'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
  startTime: '2024-05-01T10:00:00Z',
  instanceIds: ['i-1234abcd1234abcd1'],
  failed: true,
};

function group(overrides: Partial<AutoScalingGroupSummary> = {}): AutoScalingGroupSummary {
  return groupSummary(GROUP, REGION, { launchTemplate: { id: TEMPLATE_ID, version: '$Latest' }, ...overrides });
}

function groupWorld(overrides: Partial<World> = {}): World {
  return baseWorld({
    keys: [key({ arn: KEY_ARN, keyId: KEY_ID })],
    keyPolicies: { [KEY_ARN]: DELEGATING_POLICY.replace(/eu-west-1/g, REGION) },
    groups: [group()],
    activities: [F7_ACTIVITY],
    templates: [
      { templateId: TEMPLATE_ID, versionNumber: 1, defaultVersion: true, imageId: IMAGE_ID, blockDevices: [] },
      {
        templateId: TEMPLATE_ID,
        versionNumber: 2,
        defaultVersion: false,
        imageId: IMAGE_ID,
        blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN }],
      },
    ],
    images: [
      { imageId: IMAGE_ID, ownerId: ACCOUNT, blockDevices: [{ deviceName: '/dev/xvda', snapshotId: 'snap-root' }] },
    ],
    snapshots: [{ snapshotId: 'snap-root', ownerId: ACCOUNT, encrypted: false }],
    events: [{ ...F3_DENIED_DATA_KEY, eventTime: '2024-05-01T10:00:02Z' }],
    ...overrides,
  });
}

async function diagnose(world: World, name = GROUP): Promise<GroupDiagnosisReport> {
  return diagnoseAutoScalingGroup({ groupName: name, profile: 'dev', region: REGION }, fakePorts(world), {
    now: () => NOW,
  });
}

describe('diagnoseAutoScalingGroup', () => {
  it("a group whose role is missing from the key policy: the role, the key of the template's $Latest version, the documented statements", async () => {
    const report = await diagnose(groupWorld());
    assert.equal(report.subject, 'auto-scaling-group');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.equal(report.principal?.source, 'auto-scaling-group');
    assert.equal(report.group?.defaultRole, true);
    assert.equal(report.group?.launchTemplate?.resolvedVersion, 2);
    assert.equal(report.group?.latestFailedActivity?.activityId, F7_ACTIVITY.activityId);
    assert.deepEqual(
      report.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    assert.deepEqual(
      report.fixes.map((f) => (f.target === 'key-policy' ? f.statement.Sid : f.target)),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [
        ['auto-scaling-group', 'fail'],
        ['launch-template', 'pass'],
        ['kms-keys', 'pass'],
        // Delegation to the account cannot reach a service-linked role's KMS use: the key policy fails it.
        ['key-policy', 'fail'],
        ['iam-policy', 'skip'],
      ],
    );
    assert.ok(report.timeline.some((e) => e.label === 'GenerateDataKeyWithoutPlaintext denied'));
  });

  it('looks up CreateGrant and the data key first, and stops there when they name the denial', async () => {
    const ports = fakePorts(groupWorld());
    await diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, ports, { now: () => NOW });
    assert.deepEqual(ports.lookupQueries.map((q) => q.eventName).sort(), [
      'CreateGrant',
      'GenerateDataKeyWithoutPlaintext',
    ]);
  });

  it("asks for Decrypt and ReEncrypt when the first lookups name no denial, and finds the role's", async () => {
    const decrypt: TrailEvent = {
      ...F3_DENIED_DATA_KEY,
      eventId: 'decrypt-denied-0001',
      eventName: 'Decrypt',
      eventTime: '2024-05-01T10:00:02Z',
      errorMessage: F3_DENIED_DATA_KEY.errorMessage?.replace(/GenerateDataKeyWithoutPlaintext/g, 'Decrypt'),
    };
    const ports = fakePorts(groupWorld({ events: [decrypt] }));
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.deepEqual(ports.lookupQueries.map((q) => q.eventName).sort(), [
      'CreateGrant',
      'Decrypt',
      'GenerateDataKeyWithoutPlaintext',
      'ReEncrypt',
    ]);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(
      report.timeline.some((e) => e.label === 'Decrypt denied'),
      JSON.stringify(report.timeline.map((e) => e.label)),
    );
  });

  it('with 100 ms per call stays within 5 rounds', async () => {
    const report = await diagnose(groupWorld({ delayMs: 100 }));
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('keys named by alias in the template still take at most 5 rounds', async () => {
    const world = groupWorld({ delayMs: 30 });
    world.templates = world.templates?.map((t) => ({
      ...t,
      blockDevices: t.blockDevices.map((d) => ({ ...d, kmsKeyId: KEY_ID })),
    }));
    world.images = [
      {
        imageId: IMAGE_ID,
        ownerId: ACCOUNT,
        blockDevices: [
          { deviceName: '/dev/xvda', snapshotId: 'snap-root' },
          { deviceName: '/dev/xvdb', snapshotId: 'snap-data' },
        ],
      },
    ];
    const dataKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/data`;
    world.snapshots = [
      { snapshotId: 'snap-root', encrypted: false },
      { snapshotId: 'snap-data', encrypted: true, kmsKeyId: dataKey },
    ];
    world.keys = [...world.keys, key({ arn: dataKey, keyId: 'data' })];
    world.keyPolicies[dataKey] = world.keyPolicies[KEY_ARN];
    const report = await diagnose(world);
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.deepEqual(report.keys.map((k) => k.arn).sort(), [KEY_ARN, dataKey].sort());
  });

  it("a custom ServiceLinkedRoleARN is the principal; the template's number version is used", async () => {
    const custom = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_nodes`;
    const report = await diagnose(
      groupWorld({
        groups: [group({ serviceLinkedRoleArn: custom, launchTemplate: { id: TEMPLATE_ID, version: '1' } })],
        events: [],
      }),
    );
    assert.equal(report.principal?.policyArn, custom);
    assert.equal(report.group?.defaultRole, false);
    assert.equal(report.group?.launchTemplate?.resolvedVersion, 1);
    // Version 1 has no key and the AMI's snapshot is unencrypted, encryption by default off: nothing to check.
    assert.deepEqual(report.keys, []);
    assert.equal(report.verdict.code, 'unknown');
  });

  it('a mixed instances override template brings its key too', async () => {
    const otherKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/override`;
    const world = groupWorld({
      groups: [
        group({
          launchTemplate: undefined,
          mixedInstancesTemplates: [
            { id: TEMPLATE_ID, version: '1' },
            { id: 'lt-override', version: '$Default' },
          ],
        }),
      ],
      events: [],
    });
    world.templates = [
      ...(world.templates ?? []),
      {
        templateId: 'lt-override',
        versionNumber: 4,
        defaultVersion: true,
        blockDevices: [{ deviceName: '/dev/xvdb', encrypted: true, kmsKeyId: otherKey }],
      },
    ];
    world.keys = [
      ...world.keys,
      key({ arn: otherKey, keyId: 'override', state: 'PendingDeletion', deletionDate: '2024-05-08T00:00:00Z' }),
    ];
    const report = await diagnose(world);
    assert.equal(report.verdict.code, 'kms-key-pending-deletion');
    assert.equal(report.verdict.keyArn, otherKey);
    assert.equal(report.fixes[0]?.target, 'key-state');
  });

  it("the EKS node group on the account's customer managed default EBS key, encryption by default on", async () => {
    const defaultKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/default`;
    const report = await diagnose(
      groupWorld({
        templates: [
          {
            templateId: TEMPLATE_ID,
            versionNumber: 2,
            defaultVersion: true,
            imageId: IMAGE_ID,
            blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }],
          },
        ],
        defaults: { encryptionByDefault: true, defaultKmsKeyId: defaultKey },
        keys: [key({ arn: defaultKey, keyId: 'default' })],
        keyPolicies: { [defaultKey]: DELEGATING_POLICY.replace(/eu-west-1/g, REGION) },
        events: [],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.keyArn, defaultKey);
    assert.match(report.steps[2].evidence[0].label, /default EBS key/);
  });

  it('a warm pool changes nothing about the role or the keys, and is shown', async () => {
    const report = await diagnose(groupWorld({ groups: [group({ hasWarmPool: true })] }));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(report.steps[0].evidence.some((e) => e.label === 'Capacity' && /warm pool/.test(e.value)));
  });

  it('a key of another account: the key policy for the group account and the grant to create from it', async () => {
    const crossKey = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/cross`;
    const denial: TrailEvent = {
      ...F3_DENIED_DATA_KEY,
      eventTime: '2024-05-01T10:00:02Z',
      keyId: crossKey,
      errorMessage: F3_DENIED_DATA_KEY.errorMessage?.replace(KEY_ARN, crossKey),
    };
    const world = groupWorld({
      keys: [key({ arn: crossKey, keyId: 'cross', accountId: OTHER_ACCOUNT })],
      keyPolicies: {},
      events: [denial],
    });
    world.templates = world.templates?.map((t) => ({
      ...t,
      blockDevices: t.blockDevices.map((d) => ({ ...d, kmsKeyId: crossKey })),
    }));
    const report = await diagnose(world);
    const grant = report.fixes.find((f): f is GrantFix => f.target === 'grant');
    assert.ok(grant, JSON.stringify(report.fixes));
    assert.equal(grant.args.granteePrincipal, SLR_ARN);
    assert.equal(grant.account, ACCOUNT);
    const keyPolicy = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(keyPolicy.length, 2);
    // A person of the group's account creates the grant directly: no GrantIsForAWSResource condition.
    assert.ok(
      keyPolicy.every((f) => f.statement.Condition === undefined),
      JSON.stringify(keyPolicy),
    );
    assert.ok(report.fixes.every((f) => f.target !== 'identity-policy'));
    const text = renderText(report);
    assert.ok(text.includes(`Create a grant on ${crossKey} for ${SLR_ARN} from account ${ACCOUNT}:`), text);
    assert.ok(
      text.includes(
        `  aws kms create-grant --key-id ${crossKey} --grantee-principal ${SLR_ARN} --operations Decrypt GenerateDataKeyWithoutPlaintext ReEncryptFrom ReEncryptTo CreateGrant DescribeKey`,
      ),
      text,
    );
    assert.match(renderMarkdown(report), /```sh\naws kms create-grant --key-id /);
    assert.doesNotMatch(renderMarkdown(report), /createGrant/, 'no command link without links');
    const link = /\[Create grant\]\(command:ec2LaunchDoctor\.createGrant\?([^)\s]+)\)/.exec(
      renderMarkdown(report, { commandLinks: true }),
    );
    assert.ok(link?.[1], 'the report links the grant fix to the create-grant command');
    assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [grant.args]);
  });

  it('an unknown group name is a no-verdict report with the usage hint, not a crash', async () => {
    const report = await diagnose(groupWorld(), 'nope');
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.steps[0].status, 'error');
    assert.match(report.verdict.summary, /No Auto Scaling group named nope/);
  });

  it('ports without Auto Scaling: says so', async () => {
    const ports = fakePorts(groupWorld());
    delete (ports as { listAutoScalingGroups?: unknown }).listAutoScalingGroups;
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(report.verdict.code, 'unknown');
  });

  it('a failed group read names the permission', async () => {
    const world = groupWorld();
    world.failures.listAutoScalingGroups = {
      kind: 'access-denied',
      message: 'denied (test)',
      nextStep: 'x',
      action: 'autoscaling:DescribeAutoScalingGroups',
    };
    const report = await diagnose(world);
    assert.match(
      report.verdict.nextStep,
      /Allow autoscaling:DescribeAutoScalingGroups for the identity of profile "dev"/,
    );
  });
});

describe('terminationReasonOf', () => {
  const rows: [string | undefined, string | undefined][] = [
    [F7_ACTIVITY.statusMessage, 'Client.InvalidKMSKey.InvalidState'],
    ['... Termination Reason: Client.InternalError: Client error on launch', 'Client.InternalError'],
    ['... Termination Reason: Server.InternalError: Internal error on launch', 'Server.InternalError'],
    ['We currently do not have sufficient capacity', undefined],
    [undefined, undefined],
  ];
  for (const [message, code] of rows) {
    it(`${String(message).slice(0, 40)} -> ${String(code)}`, () => {
      assert.equal(
        terminationReasonOf(
          message === undefined ? undefined : { ...F7_ACTIVITY, statusMessage: message, description: undefined },
        )?.code,
        code,
      );
    });
  }
});

describe('a group on a launch configuration', () => {
  it('takes the keys from its block devices and AMI', async () => {
    const report = await diagnose(
      groupWorld({
        groups: [group({ launchTemplate: undefined, launchConfigurationName: 'old-lc' })],
        configurations: [
          {
            name: 'old-lc',
            imageId: IMAGE_ID,
            blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN }],
          },
        ],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.ok(
      report.steps[1].evidence.some((e) => e.label === 'launch configuration old-lc'),
      JSON.stringify(report.steps[1].evidence),
    );
  });

  it('without a port for launch configurations, says its block devices are not read, lowering the confidence, rather than finding no key', async () => {
    const ports = fakePorts(
      groupWorld({ groups: [group({ launchTemplate: undefined, launchConfigurationName: 'old-lc' })], events: [] }),
    );
    delete (ports as { describeLaunchConfigurations?: unknown }).describeLaunchConfigurations;
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.ok(
      report.verdict.caveats.some((c) => /Launch configuration old-lc: its block devices are not read/.test(c)),
      JSON.stringify(report.verdict),
    );
    assert.equal(report.verdict.confidence, 'low');
  });
});

describe('a group diagnosis cancelled', () => {
  it('rejects with an AbortError and starts no call after that', async () => {
    const ports = fakePorts(groupWorld({ delayMs: 40 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    await assert.rejects(
      diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, ports, {
        now: () => NOW,
        signal: controller.signal,
      }),
      (error: unknown) => isAbortError(error),
    );
    const atAbort = ports.log.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(ports.log.length, atAbort, ports.log.join('\n'));
  });

  it('at its deadline, a port that never answers ends as timed out and the report still comes', async () => {
    const ports = fakePorts(groupWorld());
    ports.describeScalingActivities = () => new Promise(() => undefined);
    const report = await diagnoseAutoScalingGroup(
      { groupName: GROUP, profile: 'dev', region: REGION, deadlineMs: 300 },
      ports,
      { now: () => NOW },
    );
    assert.equal(report.subject, 'auto-scaling-group');
    assert.ok(
      report.verdict.caveats.some((c) => /Scaling activities/.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
  });
});
