/**
 * Terminated instances leave DescribeInstances about an hour after they end ("Recently
 * terminated instances might appear in the returned results. This interval is usually less
 * than one hour.", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html),
 * through the real SDK against the emulator's `terminated-expiry` scenario: the instance named
 * by the group's failed launch two hours ago is gone, one terminated ten minutes ago is listed.
 * The group is still diagnosed from its launch template and CloudTrail; the gone instance is
 * reported not found, with the way to the group.
 */
import * as assert from 'node:assert/strict';
import { DescribeInstancesCommand, EC2Client, EC2ServiceException, type Instance } from '@aws-sdk/client-ec2';
import { EXIT, exitOf } from '../../src/cli/diagnose';
import { createDiagnosisPorts } from '../../src/aws';
import { diagnoseAutoScalingGroup, diagnoseInstance, type KeyPolicyFix } from '../../src/core/diagnosis';
import { loadScenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';
import { TERMINATED_LISTED_MS } from '../emulator/state';
import { ACCOUNT, ADMIN, GROUP, KEY_ARN, REGION, SLR_ARN, useLaunchWorld } from './support/launchWorld';

/** The instances test/emulator/scenarios/terminated-expiry.json holds. */
const GONE = 'i-0e1d2c3b4a5960001';
const RECENT = 'i-0e1d2c3b4a5960002';

describe('terminated instances leave DescribeInstances after about an hour (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('terminated-expiry', () => loadScenario('terminated-expiry'));

  /** A raw EC2 client as the account's administrator, to see EC2's own answers and errors. */
  function ec2(): EC2Client {
    const admin = world.emulator.scenario.principals.find((p) => p.name === ADMIN);
    assert.ok(admin, 'the scenario has its administrator');
    return new EC2Client({
      region: REGION,
      endpoint: world.emulator.url,
      maxAttempts: 1,
      credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    });
  }

  async function listedIds(client: EC2Client): Promise<string[]> {
    const out = await client.send(new DescribeInstancesCommand({}));
    return (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ''));
  }

  async function notFoundCode(client: EC2Client, id: string): Promise<string | undefined> {
    try {
      await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      return undefined;
    } catch (error) {
      assert.ok(error instanceof EC2ServiceException, String(error));
      return error.name;
    }
  }

  it('an instance terminated two hours ago is neither listed nor found by id: InvalidInstanceID.NotFound', async () => {
    const client = ec2();
    try {
      assert.ok(!(await listedIds(client)).includes(GONE), 'not in the listing');
      assert.equal(await notFoundCode(client, GONE), 'InvalidInstanceID.NotFound');
      // The error names the id as EC2 does.
      await assert.rejects(client.send(new DescribeInstancesCommand({ InstanceIds: [GONE] })), {
        message: `The instance ID '${GONE}' does not exist`,
      });
    } finally {
      client.destroy();
    }
  });

  it('an instance terminated ten minutes ago is listed and found, with no block devices', async () => {
    const client = ec2();
    try {
      assert.ok((await listedIds(client)).includes(RECENT), 'in the listing');
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [RECENT] }));
      const [instance]: (Instance | undefined)[] = out.Reservations?.[0]?.Instances ?? [];
      assert.equal(instance?.InstanceId, RECENT);
      assert.equal(instance?.State?.Name, 'terminated');
      assert.deepEqual(instance?.BlockDeviceMappings ?? [], []);
    } finally {
      client.destroy();
    }
  });

  it('the group whose failed launch names the gone instance still gets its verdict, its role and the key policy fix', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.group?.latestFailedActivity?.instanceIds[0], GONE, 'the activity names the gone instance');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2, JSON.stringify(report.fixes));
    assert.ok(fixes.every((f) => f.keyArn === KEY_ARN));
    assert.match(JSON.stringify(fixes.map((f) => f.statement)), new RegExp(SLR_ARN.replace(/[/.]/g, '\\$&')));
  });

  it('diagnosing the gone instance says not found, and that EC2 stops listing it: diagnose the group', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseInstance({ instanceId: GONE, profile: ADMIN, region: REGION }, ports);
    const first = report.steps.find((s) => s.id === 'instance-state');
    assert.equal(first?.failureKind, 'not-found', JSON.stringify(first));
    assert.equal(report.verdict.code, 'unknown');
    const exit = exitOf(report, ADMIN);
    assert.equal(exit.code, EXIT.usage);
    assert.match(exit.message ?? '', new RegExp(`^not found: Could not read instance ${GONE} in ${REGION}\\.`));
    assert.match(exit.message ?? '', /about an hour after it ends/);
    assert.match(exit.message ?? '', /--auto-scaling-group NAME/);
  });

  it('a launch the emulator refuses records its end: listed now, gone once it ended more than an hour ago', async () => {
    const [failed] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed, 'the group launched');
    assert.equal(failed.state, 'terminated');
    const ended = Date.parse(failed.terminatedAt ?? '');
    assert.ok(Math.abs(Date.now() - ended) < 60_000, `terminatedAt ${failed.terminatedAt}`);
    const client = ec2();
    try {
      assert.ok((await listedIds(client)).includes(failed.id), 'listed right after it ended');
      failed.terminatedAt = new Date(ended - TERMINATED_LISTED_MS - 1000).toISOString();
      assert.ok(!(await listedIds(client)).includes(failed.id), 'gone after the hour');
      assert.equal(await notFoundCode(client, failed.id), 'InvalidInstanceID.NotFound');
    } finally {
      client.destroy();
    }
  });
});
