/**
 * Launches decided by the emulator's authorization engine, read back through the real SDK:
 * RunInstances and an instant CreateFleet from a launch template whose volume key the caller
 * may not use end pending -> terminated with Client.InternalError and no block devices, and
 * the caller's trail holds the denied GenerateDataKeyWithoutPlaintext (src/aws-records.md F3,
 * F6). A launch by Auto Scaling is refused to its service-linked role's session, and the
 * diagnosis finds that record by the key as a resource.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFleetCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AwsSession,
  createDiagnosisPorts,
  createGrant,
  describeInstancesById,
  describeScalingActivities,
  listAutoScalingGroups,
} from '../../src/aws';
import type { InstanceSummary, Outcome } from '../../src/core/model';
import { loadScenario, startEmulator, writeAwsConfig, type Emulator, type Scenario } from '../emulator';
import { autoScalingCaller, launchInstances, scaleOutGroup } from '../emulator/services/ec2Run';

const REGION = 'us-west-2';
const ACCOUNT = '333333333333';
const ADMIN = 'platform-admin';
const DEPLOYER = 'deployer';
const TEMPLATE = { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001' };
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/5c466b7d-0001-4abc-8def-000000000001`;

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

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
    policies: [
      {
        name: 'ec2-only',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'cloudtrail:LookupEvents'], Resource: '*' }],
        },
      },
    ],
  };
  return { ...base, launchDelayMs: 0, principals: [...base.principals, deployer] } as Scenario;
}

describe('launches decided by the authorization engine (real SDK over HTTP)', function () {
  this.timeout(30_000);
  let home: string;
  let emulator: Emulator;
  let session: AwsSession;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-aws-run-'));
    const world = scenario();
    emulator = await startEmulator({ scenario: world, launchDelayMs: 0 });
    const files = writeAwsConfig(home, emulator, world);
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile });
  });

  after(async () => {
    session?.dispose();
    await emulator?.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function describe1(profile: string, id: string): Promise<InstanceSummary> {
    const [instance] = value(await describeInstancesById(session, profile, REGION, [id]));
    assert.ok(instance, `instance ${id} is listed`);
    return instance;
  }

  it('runs an instance from the template for a caller the key policy and IAM allow', async () => {
    const out = value(
      await session.send(
        'EC2',
        ADMIN,
        REGION,
        new RunInstancesCommand({ LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1 }),
        'ec2:RunInstances',
      ),
    );
    const id = out.Instances?.[0]?.InstanceId;
    assert.ok(id);
    assert.equal(out.Instances?.[0]?.State?.Name, 'pending');
    assert.deepEqual(out.Instances?.[0]?.BlockDeviceMappings ?? [], []);
    const instance = await describe1(ADMIN, id);
    assert.equal(instance.state, 'running');
    assert.equal(instance.blockDevices.length, 1);
  });

  it('terminates at launch the instance of a caller without KMS permissions, with no block devices, and logs the denied data key', async () => {
    const out = value(
      await session.send(
        'EC2',
        DEPLOYER,
        REGION,
        new RunInstancesCommand({ LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1 }),
        'ec2:RunInstances',
      ),
    );
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
    const ports = createDiagnosisPorts(session, DEPLOYER, REGION);
    const window = { startTime: new Date(Date.now() - 600_000), endTime: new Date(Date.now() + 60_000) };
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
    emulator.resetCalls();
    const named = (e: { instanceIds?: string[] }): boolean => e.instanceIds?.includes(id) === true;
    const runs = value(
      await ports.lookupEvents({ eventName: 'RunInstances', ...window, resourceNames: [id], stopWhen: named }),
    );
    assert.ok(
      runs.some((e) => e.resources?.some((r) => r.name?.endsWith(`/${id}`))),
      'the launch names the instance as a resource',
    );
    // LookupEvents reports an instance's ResourceName as its id: one lookup by it finds the launch.
    assert.equal(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 1);
  });

  it('an instant fleet from the same template ends the same way', async () => {
    const out = value(
      await session.send(
        'EC2',
        DEPLOYER,
        REGION,
        new CreateFleetCommand({
          Type: 'instant',
          LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { ...TEMPLATE, Version: '$Default' } }],
          TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'on-demand' },
        }),
        'ec2:CreateFleet',
      ),
    );
    const ids = out.Instances?.flatMap((i) => i.InstanceIds ?? []) ?? [];
    assert.equal(ids.length, 2);
    for (const id of ids) {
      const instance = await describe1(DEPLOYER, id);
      assert.equal(instance.state, 'terminated');
      assert.deepEqual(instance.blockDevices, []);
    }
  });

  it('a DryRun launch is classified as dry-run, not as a failure to fix', async () => {
    const out = await session.send(
      'EC2',
      DEPLOYER,
      REGION,
      new RunInstancesCommand({ LaunchTemplate: TEMPLATE, MinCount: 1, MaxCount: 1, DryRun: true }),
      'ec2:RunInstances',
    );
    assert.ok(!out.ok && out.error.kind === 'dry-run', JSON.stringify(out));
  });

  it("refuses Auto Scaling's launch to its service-linked role session, whose denial the trail names", async () => {
    const [instance] = await launchInstances(emulator.state, autoScalingCaller(ACCOUNT), {
      account: ACCOUNT,
      region: REGION,
      count: 1,
      template: { id: TEMPLATE.LaunchTemplateId, version: '$Default' },
      invokedBy: 'autoscaling.amazonaws.com',
      tags: { 'aws:autoscaling:groupName': 'eks-nodes-asg' },
    });
    assert.ok(instance);
    const seen = await describe1(ADMIN, instance.id);
    assert.equal(seen.state, 'terminated');
    assert.equal(seen.autoScalingGroupName, 'eks-nodes-asg');
    const ports = createDiagnosisPorts(session, ADMIN, REGION);
    const events = value(
      await ports.lookupEvents({
        eventName: 'GenerateDataKeyWithoutPlaintext',
        startTime: new Date(Date.now() - 600_000),
        endTime: new Date(Date.now() + 60_000),
        resourceNames: [KEY_ARN],
        stopWhen: (e) => e.userArn?.includes('AWSServiceRoleForAutoScaling') === true,
      }),
    );
    const record = events.find(
      (e) => e.userArn === `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
    );
    assert.ok(record, JSON.stringify(events));
    assert.equal(
      record.sessionIssuerArn,
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    );
    assert.equal(record.invokedBy, 'autoscaling.amazonaws.com');
    assert.equal(record.errorCode, 'AccessDenied');
  });

  // Before the grant below: once the role holds a grant, its launches succeed.
  it('a group scaling out ends with a cancelled activity naming the terminated instance, as Auto Scaling reports it (F7)', async () => {
    const [instance] = await scaleOutGroup(emulator.state, 'eks-nodes-asg', ACCOUNT, REGION);
    assert.ok(instance);
    const group = value(await listAutoScalingGroups(session, ADMIN, REGION)).find((g) => g.name === 'eks-nodes-asg');
    assert.equal(group?.shortOfCapacity, true, 'still short: the instance never came into service');
    const [latest] = value(await describeScalingActivities(session, ADMIN, REGION, { groupNames: ['eks-nodes-asg'] }));
    assert.ok(latest);
    assert.equal(latest.failed, true);
    assert.deepEqual(latest.instanceIds, [instance.id]);
    assert.match(latest.statusMessage ?? '', /Termination Reason: Client\.InternalError: Client error on launch$/);
    const seen = await describe1(ADMIN, instance.id);
    assert.equal(seen.autoScalingGroupName, 'eks-nodes-asg');
    assert.deepEqual(seen.blockDevices, []);
  });

  it('creates the grant for the service-linked role when the caller may, and says access-denied when not', async () => {
    const slr = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const request = {
      keyArn: KEY_ARN,
      granteePrincipal: slr,
      operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
      name: 'eks-nodes-asg-ebs',
    };
    const grant = value(await createGrant(session, ADMIN, 'eu-west-1', request));
    assert.match(grant.grantId, /^[0-9a-f]{64}$/);
    assert.ok(grant.grantToken);
    const refused = await createGrant(session, DEPLOYER, REGION, request);
    assert.ok(!refused.ok && refused.error.kind === 'access-denied', JSON.stringify(refused));
    assert.equal(!refused.ok && refused.error.action, 'kms:CreateGrant');
    const bad = await createGrant(session, ADMIN, REGION, { ...request, operations: ['Everything'] });
    assert.ok(!bad.ok, 'an operation KMS does not know is refused');
    const ports = createDiagnosisPorts(session, ADMIN, REGION);
    const window = { startTime: new Date(Date.now() - 600_000), endTime: new Date(Date.now() + 60_000) };
    const grants = value(await ports.lookupEvents({ eventName: 'CreateGrant', ...window, resourceNames: [KEY_ARN] }));
    assert.ok(
      grants.some(
        (e) => e.granteePrincipal === slr && !e.errorCode && e.userArn === `arn:aws:iam::${ACCOUNT}:user/dana`,
      ),
      JSON.stringify(grants),
    );
  });
});
