/**
 * Launches decided by the emulator's authorization engine, read back through the real SDK:
 * RunInstances and an instant CreateFleet from a launch template whose volume key the caller
 * may not use end pending -> terminated with Client.InternalError and no block devices, and
 * the caller's trail holds the denied GenerateDataKeyWithoutPlaintext (src/aws-records.md F3,
 * F6). A launch by Auto Scaling is refused to its service-linked role's world.session, and the
 * diagnosis finds that record by the key as a resource.
 */
import * as assert from 'node:assert/strict';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  createDiagnosisPorts,
  createGrant,
  describeInstancesById,
  describeScalingActivities,
  listAutoScalingGroups,
} from '../../src/aws';
import type { InstanceSummary } from '../../src/core/model';
import { loadScenario, type Scenario } from '../emulator';
import { autoScalingCaller, launchInstances, scaleOutGroup } from '../emulator/services/ec2Run';
import {
  ACCOUNT,
  ADMIN,
  GROUP,
  KEY_ARN,
  LAUNCH_TEMPLATE_ID,
  REGION,
  SLR_ARN,
  allowing,
  createFleet,
  runInstances,
  useLaunchWorld,
  value,
} from './support/launchWorld';

const DEPLOYER = 'deployer';
const TEMPLATE = { LaunchTemplateId: LAUNCH_TEMPLATE_ID };

/** The Auto Scaling scenario with a deployer who may use EC2 but has no KMS permission. */
function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const deployer = {
    name: DEPLOYER,
    account: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
    accessKeyId: 'AKIADEPLOYER00000001',
    secretAccessKey: 'deployerSecret00000000000000000000000000',
    region: REGION,
    policies: [allowing('ec2-only', ['ec2:*', 'cloudtrail:LookupEvents'])],
  };
  return { ...base, principals: [...base.principals, deployer] };
}

/** The lookup window of the trail around the test's launches. */
function trailWindow(): { startTime: Date; endTime: Date } {
  return { startTime: new Date(Date.now() - 600_000), endTime: new Date(Date.now() + 60_000) };
}

describe('launches decided by the authorization engine (real SDK over HTTP)', function () {
  this.timeout(30_000);
  const world = useLaunchWorld('aws-run', scenario);

  async function describe1(profile: string, id: string): Promise<InstanceSummary> {
    const [instance] = value(await describeInstancesById(world.session, profile, REGION, [id]));
    assert.ok(instance, `instance ${id} is listed`);
    return instance;
  }

  it('runs an instance from the template for a caller the key policy and IAM allow', async () => {
    const out = await runInstances(world.session, ADMIN, { LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1 });
    const id = out.Instances?.[0]?.InstanceId;
    assert.ok(id);
    assert.equal(out.Instances?.[0]?.State?.Name, 'pending');
    assert.deepEqual(out.Instances?.[0]?.BlockDeviceMappings ?? [], []);
    const instance = await describe1(ADMIN, id);
    assert.equal(instance.state, 'running');
    assert.equal(instance.blockDevices.length, 1);
  });

  it('terminates at launch the instance of a caller without KMS permissions, with no block devices, and logs the denied data key', async () => {
    const out = await runInstances(world.session, DEPLOYER, { LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1 });
    const id = out.Instances?.[0]?.InstanceId;
    assert.ok(id);
    const instance = await describe1(DEPLOYER, id);
    assert.equal(instance.state, 'terminated');
    assert.deepEqual(
      instance.launchTemplate,
      { id: TEMPLATE.LaunchTemplateId, version: '2' },
      'the default version, tagged',
    );
    assert.deepEqual(instance.stateReason, {
      code: 'Client.InternalError',
      message: 'Client.InternalError: Client error on launch',
    });
    assert.equal(instance.stateTransitionReason, 'Client.InternalError');
    assert.deepEqual(instance.blockDevices, []);
    const ports = createDiagnosisPorts(world.session, DEPLOYER, REGION);
    const window = trailWindow();
    const denied = value(
      await ports.lookupEvents({ eventName: 'GenerateDataKeyWithoutPlaintext', ...window, resourceNames: [KEY_ARN] }),
    );
    const record = denied.find(
      (e) => e.errorMessage?.includes(id) || e.userArn === `arn:aws:iam::${ACCOUNT}:user/deployer`,
    );
    assert.ok(record, JSON.stringify(denied));
    assert.equal(record.errorCode, 'AccessDenied');
    assert.equal(record.eventSource, 'kms.amazonaws.com');
    assert.equal(record.invokedBy, 'ec2-frontend-api.amazonaws.com');
    assert.match(
      record.errorMessage ?? '',
      /not authorized to perform: kms:GenerateDataKeyWithoutPlaintext on resource: .*because no identity-based policy allows/,
    );
    world.emulator.resetCalls();
    const named = (e: { instanceIds?: string[] }): boolean => e.instanceIds?.includes(id) === true;
    const runs = value(
      await ports.lookupEvents({ eventName: 'RunInstances', ...window, resourceNames: [id], stopWhen: named }),
    );
    assert.ok(
      runs.some((e) => e.resources?.some((r) => r.name?.endsWith(`/${id}`))),
      'the launch names the instance as a resource',
    );
    // LookupEvents reports an instance's ResourceName as its id: one lookup by it finds the launch.
    assert.equal(world.emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 1);
  });

  it('an instant fleet from the same template ends the same way', async () => {
    const out = await createFleet(world.session, DEPLOYER, {
      Type: 'instant',
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { ...TEMPLATE, Version: '$Default' } }],
      TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'on-demand' },
    });
    const ids = out.Instances?.flatMap((i) => i.InstanceIds ?? []) ?? [];
    assert.equal(ids.length, 2);
    for (const id of ids) {
      const instance = await describe1(DEPLOYER, id);
      assert.equal(instance.state, 'terminated');
      assert.deepEqual(instance.blockDevices, []);
    }
  });

  it('a DryRun launch is classified as dry-run, not as a failure to fix', async () => {
    const out = await world.session.send(
      'EC2',
      DEPLOYER,
      REGION,
      new RunInstancesCommand({ LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1, DryRun: true }),
      'ec2:RunInstances',
    );
    assert.ok(!out.ok && out.error.kind === 'dry-run', JSON.stringify(out));
  });

  it("refuses Auto Scaling's launch to its service-linked role session, whose denial the trail names", async () => {
    const [instance] = await launchInstances(world.emulator.state, autoScalingCaller(ACCOUNT), {
      account: ACCOUNT,
      region: REGION,
      count: 1,
      template: { id: TEMPLATE.LaunchTemplateId, version: '$Default' },
      invokedBy: 'autoscaling.amazonaws.com',
      tags: { 'aws:autoscaling:groupName': GROUP },
    });
    assert.ok(instance);
    const seen = await describe1(ADMIN, instance.id);
    assert.equal(seen.state, 'terminated');
    assert.equal(seen.autoScalingGroupName, GROUP);
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const events = value(
      await ports.lookupEvents({
        eventName: 'GenerateDataKeyWithoutPlaintext',
        ...trailWindow(),
        resourceNames: [KEY_ARN],
        stopWhen: (e) => e.userArn?.includes('AWSServiceRoleForAutoScaling') === true,
      }),
    );
    const record = events.find(
      (e) => e.userArn === `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
    );
    assert.ok(record, JSON.stringify(events));
    assert.equal(record.sessionIssuerArn, SLR_ARN);
    assert.equal(record.invokedBy, 'autoscaling.amazonaws.com');
    assert.equal(record.errorCode, 'AccessDenied');
  });

  // Before the grant below: once the role holds a grant, its launches succeed.
  it('a group scaling out ends with a cancelled activity naming the terminated instance, as Auto Scaling reports it (F7)', async () => {
    const [instance] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(instance);
    const group = value(await listAutoScalingGroups(world.session, ADMIN, REGION)).find((g) => g.name === GROUP);
    assert.equal(group?.shortOfCapacity, true, 'still short: the instance never came into service');
    const [latest] = value(await describeScalingActivities(world.session, ADMIN, REGION, { groupNames: [GROUP] }));
    assert.ok(latest);
    assert.equal(latest.failed, true);
    assert.deepEqual(latest.instanceIds, [instance.id]);
    assert.match(latest.statusMessage ?? '', /Termination Reason: Client\.InternalError: Client error on launch$/);
    const seen = await describe1(ADMIN, instance.id);
    assert.equal(seen.autoScalingGroupName, GROUP);
    assert.deepEqual(seen.blockDevices, []);
  });

  it('creates the grant for the service-linked role when the caller may, and says access-denied when not', async () => {
    const request = {
      keyArn: KEY_ARN,
      granteePrincipal: SLR_ARN,
      operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
      name: 'eks-nodes-asg-ebs',
    };
    const grant = value(await createGrant(world.session, ADMIN, 'eu-west-1', request));
    assert.match(grant.grantId, /^[0-9a-f]{64}$/);
    assert.ok(grant.grantToken);
    const refused = await createGrant(world.session, DEPLOYER, REGION, request);
    assert.ok(!refused.ok && refused.error.kind === 'access-denied', JSON.stringify(refused));
    assert.equal(!refused.ok && refused.error.action, 'kms:CreateGrant');
    const bad = await createGrant(world.session, ADMIN, REGION, { ...request, operations: ['Everything'] });
    assert.ok(!bad.ok, 'an operation KMS does not know is refused');
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const window = trailWindow();
    const grants = value(await ports.lookupEvents({ eventName: 'CreateGrant', ...window, resourceNames: [KEY_ARN] }));
    assert.ok(
      grants.some(
        (e) => e.granteePrincipal === SLR_ARN && !e.errorCode && e.userArn === `arn:aws:iam::${ACCOUNT}:user/dana`,
      ),
      JSON.stringify(grants),
    );
  });
});
