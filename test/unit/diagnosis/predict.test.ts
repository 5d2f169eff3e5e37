/** predictLaunch on fakes: a forecast labelled as one, from key states, key policies and IAM. */
import * as assert from 'node:assert/strict';
import { predictLaunch, type PredictionInput } from '../../../src/core/diagnosis';
import { SLR_ATTACH_SID, SLR_USE_SID } from '../../../src/core/launch/serviceRoleFixes';
import {
  ACCOUNT,
  ADMIN_ONLY_POLICY,
  DELEGATING_POLICY,
  INSTANCE_ID,
  KEY_ARN,
  REGION,
  USER_ARN,
  allowingPolicy,
  baseWorld,
  failure,
  fakePorts,
  groupSummary,
  key,
  type World,
} from './fakes';

const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const TEMPLATE = { id: 'lt-1', version: '$Default' };

function templateWorld(overrides: Partial<World> = {}): World {
  return baseWorld({
    templates: [
      {
        templateId: 'lt-1',
        versionNumber: 1,
        defaultVersion: true,
        blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN }],
      },
    ],
    groups: [
      groupSummary('web', REGION, {
        launchTemplate: TEMPLATE,
        desiredCapacity: 2,
        inServiceCount: 2,
        shortOfCapacity: false,
      }),
    ],
    ...overrides,
  });
}

function predict(world: World, input: Partial<PredictionInput> & Pick<PredictionInput, 'subject'>) {
  return predictLaunch({ profile: 'dev', region: REGION, ...input }, fakePorts(world));
}

const documented = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
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

describe('predictLaunch', () => {
  it('a group whose role the key policy does not name: will-fail, with the documented statements', async () => {
    const p = await predict(templateWorld({ keyPolicies: { [KEY_ARN]: DELEGATING_POLICY } }), {
      subject: { kind: 'auto-scaling-group', groupName: 'web' },
    });
    assert.equal(p.kind, 'prediction');
    assert.equal(p.outcome, 'will-fail');
    assert.equal(p.code, 'kms-create-grant-not-allowed');
    assert.equal(p.principal?.policyArn, SLR_ARN);
    assert.deepEqual(
      p.fixes.map((f) => (f.target === 'key-policy' ? f.statement.Sid : f.target)),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
  });

  it('the same group once the key policy has both statements: will-launch', async () => {
    const p = await predict(templateWorld({ keyPolicies: { [KEY_ARN]: documented } }), {
      subject: { kind: 'auto-scaling-group', groupName: 'web' },
    });
    assert.equal(p.outcome, 'will-launch', p.reason);
    assert.match(p.reason, /and use the key/);
  });

  it('a launch template for a named principal whose key policy allows it: will-launch', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/Deployer`;
    const p = await predict(templateWorld({ keyPolicies: { [KEY_ARN]: allowingPolicy(role) } }), {
      subject: { kind: 'launch-template', template: TEMPLATE },
      launchingPrincipalArn: role,
    });
    assert.equal(p.outcome, 'will-launch', p.reason);
    assert.equal(p.principal?.arn, role);
  });

  it('a stopped instance before Start, its key disabled: will-fail with the key state', async () => {
    const p = await predict(baseWorld({ keys: [key({ state: 'Disabled' })] }), {
      subject: { kind: 'stopped-instance', instanceId: INSTANCE_ID },
    });
    assert.equal(p.outcome, 'will-fail');
    assert.equal(p.code, 'kms-key-disabled');
    assert.equal(p.principal?.arn, USER_ARN);
  });

  it('an unreadable key policy and IAM: unknown, saying what could not be read', async () => {
    const world = templateWorld({ keyPolicies: {} });
    world.keyFailures = {
      [`policy:${KEY_ARN}`]: {
        kind: 'access-denied',
        message: 'denied (test)',
        nextStep: 'x',
        action: 'kms:GetKeyPolicy',
      },
    };
    world.failures.simulatePrincipalPolicy = {
      kind: 'access-denied',
      message: 'denied (test)',
      nextStep: 'x',
      action: 'iam:SimulatePrincipalPolicy',
    };
    const p = await predict(world, { subject: { kind: 'launch-template', template: TEMPLATE } });
    assert.equal(p.outcome, 'unknown');
    assert.ok(
      p.unread.some((u) => /kms:GetKeyPolicy/.test(u)),
      JSON.stringify(p.unread),
    );
  });

  it('an unknown group: unknown, naming it', async () => {
    const p = await predict(templateWorld(), { subject: { kind: 'auto-scaling-group', groupName: 'nope' } });
    assert.equal(p.outcome, 'unknown');
    assert.match(p.unread.join(' '), /No Auto Scaling group named nope/);
  });

  it('a template with no encrypted volume: will-launch, nothing in the way', async () => {
    const p = await predict(
      templateWorld({
        templates: [
          { templateId: 'lt-1', versionNumber: 1, defaultVersion: true, blockDevices: [{ deviceName: '/dev/xvda' }] },
        ],
      }),
      {
        subject: { kind: 'launch-template', template: TEMPLATE },
      },
    );
    assert.equal(p.outcome, 'will-launch');
    assert.deepEqual(p.keys, []);
  });
});

describe("predictLaunch: a template's AMI", () => {
  const AMI = 'ami-0123456789abcdef0';
  const SNAPSHOT = 'snap-0123456789abcdef0';

  /** The template names no key: its AMI's root snapshot is encrypted with KEY_ARN, whose policy only administers. */
  function amiWorld(overrides: Partial<World> = {}): World {
    return templateWorld({
      templates: [
        {
          templateId: 'lt-1',
          versionNumber: 1,
          defaultVersion: true,
          imageId: AMI,
          blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }],
        },
      ],
      images: [{ imageId: AMI, blockDevices: [{ deviceName: '/dev/xvda', snapshotId: SNAPSHOT, encrypted: true }] }],
      snapshots: [{ snapshotId: SNAPSHOT, encrypted: true, kmsKeyId: KEY_ARN }],
      keyPolicies: { [KEY_ARN]: ADMIN_ONLY_POLICY },
      ...overrides,
    });
  }

  it('a launch template whose AMI snapshot is on a key that does not let the launcher create the grant: will-fail', async () => {
    const ports = fakePorts(amiWorld());
    const p = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: 'dev', region: REGION },
      ports,
    );
    assert.equal(p.outcome, 'will-fail', p.reason);
    assert.equal(p.code, 'kms-create-grant-not-allowed');
    assert.deepEqual(
      p.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    assert.equal(ports.log.filter((l) => l.startsWith('describeImages')).length, 1, ports.log.join('\n'));
    assert.ok(ports.log.includes(`describeImages ${AMI}`), ports.log.join('\n'));
    assert.ok(ports.log.includes(`describeSnapshots ${SNAPSHOT}`), ports.log.join('\n'));
    // Template and AMI are read one after the other: one round more than with the AMI given.
    assert.ok(p.calls.rounds <= 5, `rounds ${p.calls.rounds}`);
  });

  it('an Auto Scaling group on that template: will-fail for its role', async () => {
    const p = await predict(amiWorld(), { subject: { kind: 'auto-scaling-group', groupName: 'web' } });
    assert.equal(p.outcome, 'will-fail', p.reason);
    assert.equal(p.code, 'kms-create-grant-not-allowed');
    assert.equal(p.principal?.policyArn, SLR_ARN);
    assert.deepEqual(
      p.keys.map((k) => k.arn),
      [KEY_ARN],
    );
  });

  it("the template's AMI cannot be read: unknown, naming ec2:DescribeImages", async () => {
    const world = amiWorld();
    world.failures.describeImages = failure('access-denied', 'ec2:DescribeImages');
    const p = await predict(world, { subject: { kind: 'launch-template', template: TEMPLATE } });
    assert.equal(p.outcome, 'unknown', p.reason);
    assert.ok(
      p.unread.some((u) => /ec2:DescribeImages/.test(u)),
      JSON.stringify(p.unread),
    );
  });

  it('an AMI given with the template is read instead of the one the template names', async () => {
    const ports = fakePorts(amiWorld());
    const p = await predictLaunch(
      {
        subject: { kind: 'launch-template', template: TEMPLATE, imageId: 'ami-0fedcba9876543210' },
        profile: 'dev',
        region: REGION,
      },
      ports,
    );
    assert.ok(ports.log.includes('describeImages ami-0fedcba9876543210'), ports.log.join('\n'));
    assert.ok(!ports.log.includes(`describeImages ${AMI}`), ports.log.join('\n'));
    assert.equal(p.outcome, 'will-launch', p.reason);
  });
});

describe('predictLaunch: an instance that is not stopped', () => {
  it('a running instance: unknown, saying a prediction is for starting a stopped instance, and reads no volume', async () => {
    const world = baseWorld();
    world.instance = { ...world.instance, state: 'running' };
    const ports = fakePorts(world);
    const p = await predictLaunch(
      { subject: { kind: 'stopped-instance', instanceId: INSTANCE_ID }, profile: 'dev', region: REGION },
      ports,
    );
    assert.equal(p.outcome, 'unknown');
    assert.equal(p.reason, `${INSTANCE_ID} is running: a prediction is for starting a stopped instance.`);
    assert.deepEqual(p.keys, []);
    assert.ok(!ports.log.some((l) => l.startsWith('describeVolumes')), ports.log.join('\n'));
  });

  it('a terminated instance with no block devices: unknown, not will-launch, pointing at its group', async () => {
    const world = baseWorld({ volumes: [] });
    world.instance = { ...world.instance, state: 'terminated', blockDevices: [], autoScalingGroupName: 'web' };
    const p = await predict(world, { subject: { kind: 'stopped-instance', instanceId: INSTANCE_ID } });
    assert.equal(p.outcome, 'unknown');
    assert.match(p.reason, new RegExp(`^${INSTANCE_ID} is terminated: a terminated instance cannot be started`));
    assert.match(p.reason, /Auto Scaling group web/);
  });
});
