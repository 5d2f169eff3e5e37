/**
 * An instance id EC2 no longer knows: a terminated instance leaves DescribeInstances about an
 * hour after it ends (DescribeInstances API reference: "This interval is usually less than one
 * hour."). Diagnosing it says not found and points at the group that launched it; the group's
 * own diagnosis never needs the instance.
 */
import * as assert from 'node:assert/strict';
import { EXIT, exitOf } from '../../../src/cli/diagnose';
import { diagnoseAutoScalingGroup, diagnoseInstance } from '../../../src/core/diagnosis';
import { TERMINATED_GONE, messagesFor } from '../../../src/core/diagnosis/messages';
import type { ScalingActivity } from '../../../src/core/model';
import { ACCOUNT, DELEGATING_POLICY, NOW, baseWorld, failure, fakePorts, groupSummary, key } from './fakes';
import { F3_DENIED_DATA_KEY } from './realRecords';

const REGION = 'us-west-2';
const GONE = 'i-0e1d2c3b4a5960001';

describe('an instance id EC2 no longer lists', () => {
  it('the not-found next step says EC2 stops listing terminated instances within about an hour, and to diagnose the group', () => {
    const text = messagesFor('dev').instanceNotFound(REGION);
    assert.match(
      text,
      /^Check the instance id and the Region \(us-west-2\), and that profile "dev" is in the instance's account\. /,
    );
    assert.ok(text.endsWith(TERMINATED_GONE));
    assert.match(TERMINATED_GONE, /terminated instance within about an hour after it ends/);
    // Both ways to the group: the command in the editor and the CLI flag.
    assert.match(TERMINATED_GONE, /EC2: Diagnose Auto Scaling Group/);
    assert.match(TERMINATED_GONE, /ec2-launch-doctor diagnose --auto-scaling-group NAME/);
  });

  it('diagnose --instance on it: exit 2, "not found", then the hour and the group', async () => {
    const report = await diagnoseInstance(
      { instanceId: GONE, profile: 'dev', region: REGION },
      fakePorts(baseWorld()),
      { now: () => NOW },
    );
    const first = report.steps.find((s) => s.id === 'instance-state');
    assert.equal(first?.failureKind, 'not-found');
    assert.ok(first?.nextStep?.endsWith(TERMINATED_GONE), first?.nextStep);
    const exit = exitOf(report, 'dev');
    assert.equal(exit.code, EXIT.usage);
    assert.match(exit.message ?? '', new RegExp(`^not found: Could not read instance ${GONE} in ${REGION}\\.`));
    assert.ok(exit.message?.endsWith(TERMINATED_GONE), exit.message);
  });

  it('an instance that could not be read for another reason gets no such hint', async () => {
    const world = baseWorld({ failures: { describeInstance: failure('access-denied', 'ec2:DescribeInstances') } });
    const report = await diagnoseInstance({ instanceId: GONE, profile: 'dev', region: REGION }, fakePorts(world), {
      now: () => NOW,
    });
    const first = report.steps.find((s) => s.id === 'instance-state');
    assert.equal(first?.failureKind, 'access-denied');
    assert.doesNotMatch(first?.nextStep ?? '', /about an hour/);
  });

  it('a group whose latest failed activity names it reaches its verdict without reading the instance', async () => {
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
    const templateId = 'lt-0abc1234def567890';
    const activity: ScalingActivity = {
      activityId: '1234abcd-1234-abcd-1234-1234abcd1234',
      groupName: 'nodes',
      description: `Launching a new EC2 instance: ${GONE}.  Status Reason: Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch`,
      statusCode: 'Cancelled',
      statusMessage:
        'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch',
      startTime: '2024-05-01T10:00:00Z',
      instanceIds: [GONE],
      failed: true,
    };
    const world = baseWorld({
      // DescribeInstances knows no such id, whatever asks.
      failures: { describeInstance: failure('not-found', 'ec2:DescribeInstances') },
      keys: [key({ arn: keyArn, keyId })],
      keyPolicies: { [keyArn]: DELEGATING_POLICY.replace(/eu-west-1/g, REGION) },
      groups: [groupSummary('nodes', REGION, { launchTemplate: { id: templateId, version: '$Default' } })],
      activities: [activity],
      templates: [
        {
          templateId,
          versionNumber: 1,
          defaultVersion: true,
          blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, kmsKeyId: keyArn }],
        },
      ],
      events: [{ ...F3_DENIED_DATA_KEY, eventTime: '2024-05-01T10:00:02Z' }],
    });
    const ports = fakePorts(world);
    const report = await diagnoseAutoScalingGroup({ groupName: 'nodes', profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(report.group?.latestFailedActivity?.instanceIds[0], GONE);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, keyArn);
    assert.ok(report.fixes.length > 0 && report.fixes.every((f) => f.target === 'key-policy'));
    assert.ok(!ports.log.some((call) => call.startsWith('describeInstance')), ports.log.join('\n'));
  });
});
