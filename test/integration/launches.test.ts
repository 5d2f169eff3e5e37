/**
 * Launches that services make, diagnosed through the real SDK against the emulator: an Auto
 * Scaling group whose service-linked role is missing from the key policy, its terminated
 * instance, and a RunInstances by a caller without KMS permissions. Each yields the verdict,
 * the principal and a fix that, applied in the emulator, makes the next launch succeed.
 */
import * as assert from 'node:assert/strict';
import { createDiagnosisPorts } from '../../src/aws';
import { diagnoseAutoScalingGroup, diagnoseInstance, predictLaunch, type KeyPolicyFix } from '../../src/core/diagnosis';
import { loadScenario, type Scenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';
import {
  ACCOUNT,
  ADMIN,
  GROUP,
  KEY_ARN,
  LAUNCH_TEMPLATE_ID,
  REGION,
  SLR_ARN,
  allowing,
  applyKeyPolicyFixes,
  createFleet,
  ownAccountKeyPolicy,
  runInstances,
  useLaunchWorld,
} from './support/launchWorld';

describe('launches that services make, diagnosed (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('launches', () => loadScenario('autoscaling'));

  it('an Auto Scaling group whose role is missing from the key policy: the role, the documented statements, and the next launch succeeds', async () => {
    const [failed] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed && failed.state !== 'running', 'the launch fails before the fix');
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const prediction = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(prediction.outcome, 'will-fail', prediction.reason);

    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.subject, 'auto-scaling-group');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.ok(
      report.fixes.every((f) => f.target === 'key-policy'),
      JSON.stringify(report.fixes),
    );
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2);

    await applyKeyPolicyFixes(world.session, ADMIN, KEY_ARN, fixes);
    const after = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(after.outcome, 'will-launch', `${after.reason} ${after.unread.join(' ')}`);
    const [next] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(next, 'the group launches again');
    assert.equal(next.state, 'running', 'the next launch succeeds');
  });

  it('the instance the group left terminated is diagnosed as a KMS launch failure of the role, not "not KMS"', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseInstance({ instanceId: 'i-1234abcd1234abcd1', profile: ADMIN, region: REGION }, ports);
    assert.doesNotMatch(report.verdict.summary, /No volume is encrypted/);
    assert.equal(report.principal?.policyArn, SLR_ARN, JSON.stringify(report.principal));
    assert.ok(
      report.keys.some((k) => k.arn === KEY_ARN) ||
        report.steps.some((s) => s.id === 'kms-keys' && s.evidence.some((e) => e.label.startsWith(KEY_ARN))),
      JSON.stringify(report.steps),
    );
  });
});

describe("an EKS node group on the account's customer managed default EBS key (real SDK over HTTP)", function () {
  this.timeout(60_000);
  const DEFAULT_KEY_ID = '5c466b7d-0002-4abc-8def-000000000002';
  const DEFAULT_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${DEFAULT_KEY_ID}`;

  /** The group launches template version 1 (no key of its own) with encryption by default on a customer managed key. */
  function scenario(): Scenario {
    const base = loadScenario('autoscaling');
    const [key] = base.keys;
    const [group] = base.autoScalingGroups ?? [];
    assert.ok(key && group);
    return {
      ...base,
      keys: [...base.keys, { ...key, id: DEFAULT_KEY_ID, aliases: ['alias/ebs-default'], description: 'EBS default' }],
      ebsDefaults: [{ account: ACCOUNT, region: REGION, encryptionByDefault: true, kmsKeyId: DEFAULT_KEY_ARN }],
      autoScalingGroups: [{ ...group, launchTemplate: { ...group.launchTemplate, version: '1' }, activities: [] }],
    } as Scenario;
  }

  const world = useLaunchWorld('launches-default', scenario);

  it("names the default key and the group's role; the fix on that key makes the next launch succeed", async () => {
    const [failed] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed && failed.state !== 'running', 'the launch fails before the fix');
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, DEFAULT_KEY_ARN);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.equal(report.group?.launchTemplate?.resolvedVersion, 1);
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2, JSON.stringify(report.fixes));
    assert.ok(fixes.every((f) => f.keyArn === DEFAULT_KEY_ARN));

    await applyKeyPolicyFixes(world.session, ADMIN, DEFAULT_KEY_ARN, fixes);
    const [next] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.equal(next?.state, 'running', 'the next launch succeeds');
  });
});

describe('RunInstances from an AMI whose encrypted snapshot another account shares (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const IMAGES = '444444444444';
  const OWNER = 'image-owner';
  const SHARED_KEY_ID = '5c466b7d-0003-4abc-8def-000000000003';
  const SHARED_KEY_ARN = `arn:aws:kms:${REGION}:${IMAGES}:key/${SHARED_KEY_ID}`;
  const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:user/dana`;

  function scenario(): Scenario {
    const base = loadScenario('autoscaling');
    const [key] = base.keys;
    assert.ok(key);
    const owner = {
      name: OWNER,
      account: IMAGES,
      arn: `arn:aws:iam::${IMAGES}:user/images`,
      accessKeyId: 'AKIAIMAGEOWNER000001',
      secretAccessKey: 'imageOwnerSecret0000000000000000000000',
      region: REGION,
      policies: [allowing('AdministratorAccess', '*')],
    };
    return {
      ...base,
      accounts: [...base.accounts, { id: IMAGES, alias: 'acme-images' }],
      principals: [...base.principals, owner],
      keys: [
        ...base.keys,
        {
          ...key,
          id: SHARED_KEY_ID,
          account: IMAGES,
          aliases: ['alias/golden-images'],
          description: 'Golden image snapshots',
          policy: ownAccountKeyPolicy(IMAGES),
        },
      ],
      snapshots: [
        ...(base.snapshots ?? []),
        {
          id: 'snap-0shared000000001',
          account: IMAGES,
          region: REGION,
          encrypted: true,
          kmsKeyId: SHARED_KEY_ARN,
          volumeSizeGiB: 20,
          sharedWith: [ACCOUNT],
        },
      ],
      images: [
        ...(base.images ?? []),
        {
          id: 'ami-0shared000000001',
          account: IMAGES,
          region: REGION,
          name: 'golden',
          sharedWith: [ACCOUNT],
          blockDevices: [{ deviceName: '/dev/xvda', snapshotId: 'snap-0shared000000001', volumeSizeGiB: 20 }],
        },
      ],
    } as Scenario;
  }

  const world = useLaunchWorld('launches-shared', scenario);

  async function run(): Promise<string> {
    const out = await runInstances(world.session, ADMIN, { ImageId: 'ami-0shared000000001', MinCount: 1, MaxCount: 1 });
    const id = out.Instances?.[0]?.InstanceId;
    assert.ok(id);
    return id;
  }

  it("takes the key from the shared snapshot, blames the launching user, and the fix in the key's account makes the next launch run", async () => {
    const id = await run();
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseInstance(
      { instanceId: id, profile: ADMIN, region: REGION, profilesByAccount: await world.session.profilesByAccount() },
      ports,
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, SHARED_KEY_ARN);
    assert.equal(report.principal?.arn, ADMIN_ARN);
    const fixes = report.fixes.filter(
      (f): f is KeyPolicyFix => f.target === 'key-policy' && f.keyArn === SHARED_KEY_ARN,
    );
    assert.ok(fixes.length > 0, JSON.stringify(report.fixes));

    // The key's owner adds the statements in account 444444444444.
    await applyKeyPolicyFixes(world.session, OWNER, SHARED_KEY_ARN, fixes);

    const next = await run();
    const again = await diagnoseInstance({ instanceId: next, profile: ADMIN, region: REGION }, ports);
    assert.equal(again.instance?.state, 'running', JSON.stringify(again.instance));
  });
});

describe("Karpenter's controller role launching with CreateFleet (real SDK over HTTP)", function () {
  this.timeout(60_000);
  const KARPENTER = 'karpenter';
  const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/KarpenterControllerRole-prod`;

  /** The controller role may call EC2 and nothing of KMS; the key policy delegates to the account. */
  function scenario(): Scenario {
    const base = loadScenario('autoscaling');
    const controller = {
      name: KARPENTER,
      account: ACCOUNT,
      arn: ROLE_ARN,
      sessionName: '1700000000000000000',
      accessKeyId: 'ASIAKARPENTER0000001',
      secretAccessKey: 'karpenterSecret000000000000000000000000',
      sessionToken: 'karpenterSessionToken',
      region: REGION,
      policies: [allowing('KarpenterControllerPolicy', ['ec2:*'])],
    };
    return { ...base, principals: [...base.principals, controller] };
  }

  const world = useLaunchWorld('launches-karpenter', scenario);

  async function fleet(): Promise<string> {
    const out = await createFleet(world.session, KARPENTER, {
      Type: 'instant',
      LaunchTemplateConfigs: [
        { LaunchTemplateSpecification: { LaunchTemplateId: LAUNCH_TEMPLATE_ID, Version: '$Default' } },
      ],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' },
    });
    const id = out.Instances?.flatMap((i) => i.InstanceIds ?? [])[0];
    assert.ok(id, JSON.stringify(out));
    return id;
  }

  it('blames the controller role (a regular role), offers its IAM statements or the key policy, and the key policy fix lets the next fleet run', async () => {
    const id = await fleet();
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseInstance({ instanceId: id, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.principal?.policyArn, ROLE_ARN, JSON.stringify(report.principal));
    assert.equal(report.principal?.launcher, 'karpenter');
    assert.notEqual(report.principal?.serviceLinked, true);
    assert.ok(
      report.fixes.some((f) => f.target === 'identity-policy' && f.principalArn === ROLE_ARN),
      JSON.stringify(report.fixes),
    );
    // The emulator cannot edit IAM policies: apply the key policy alternative instead.
    const keyPolicy = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(keyPolicy.length, 2, JSON.stringify(report.fixes));
    await applyKeyPolicyFixes(world.session, ADMIN, KEY_ARN, keyPolicy);
    const next = await fleet();
    const again = await diagnoseInstance({ instanceId: next, profile: ADMIN, region: REGION }, ports);
    assert.equal(again.instance?.state, 'running', JSON.stringify(again.instance));
  });
});
