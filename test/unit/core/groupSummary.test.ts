import * as assert from 'node:assert/strict';
import {
  failingGroups,
  isShortOfInstances,
  launchSourceLabel,
  templateLabel,
} from '../../../src/core/explorer/groupSummary';
import type { AutoScalingGroupSummary, ScalingActivity } from '../../../src/core/model';

function group(name: string, overrides: Partial<AutoScalingGroupSummary> = {}): AutoScalingGroupSummary {
  return {
    name,
    region: 'us-west-2',
    mixedInstancesTemplates: [],
    desiredCapacity: 2,
    inServiceCount: 0,
    instanceIds: [],
    hasWarmPool: false,
    shortOfCapacity: true,
    ...overrides,
  };
}

function activity(groupName: string, overrides: Partial<ScalingActivity> = {}): ScalingActivity {
  return {
    activityId: `a-${Math.random()}`,
    groupName,
    statusCode: 'Successful',
    instanceIds: [],
    failed: false,
    ...overrides,
  };
}

describe('failing Auto Scaling groups in the tree', () => {
  it('lists only groups with a failed or cancelled activity, by name, with the newest failure and its message', () => {
    const groups = [group('web'), group('api'), group('batch')];
    const activities = [
      activity('web', {
        statusCode: 'Cancelled',
        failed: true,
        statusMessage: 'old',
        startTime: '2026-01-01T00:00:00Z',
        instanceIds: ['i-0000000000000000a'],
      }),
      activity('web', {
        statusCode: 'Cancelled',
        failed: true,
        statusMessage:
          'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError',
        startTime: '2026-01-02T00:00:00Z',
        instanceIds: ['i-0000000000000000b'],
      }),
      activity('api', {
        statusCode: 'Failed',
        failed: true,
        description: 'Launching a new EC2 instance. Status Reason: denied',
      }),
      activity('batch', { statusCode: 'Successful' }),
      activity('ghost', { statusCode: 'Failed', failed: true }),
    ];
    const shown = failingGroups(groups, activities);
    assert.deepEqual(
      shown.map((g) => g.group.name),
      ['api', 'web'],
    );
    const web = shown[1];
    assert.match(web.message, /Termination Reason: Client\.InternalError/);
    assert.equal(web.activity.startTime, '2026-01-02T00:00:00Z');
    assert.deepEqual(web.terminatedInstanceIds, ['i-0000000000000000b', 'i-0000000000000000a']);
    assert.equal(
      shown[0].message,
      'Launching a new EC2 instance. Status Reason: denied',
      'the description when there is no status message',
    );
  });

  it('lists nothing for healthy groups or when no activities were read', () => {
    assert.deepEqual(failingGroups([group('web')], []), []);
    assert.deepEqual(failingGroups([group('web')], [activity('web')]), []);
  });

  it('names the launch template with its version, a mixed instances template, or the launch configuration', () => {
    assert.equal(
      launchSourceLabel(group('a', { launchTemplate: { id: 'lt-0abc', name: 'nodes', version: '3' } })),
      'lt-0abc (nodes) version 3',
    );
    assert.equal(launchSourceLabel(group('a', { launchTemplate: { name: 'nodes' } })), 'nodes version $Default');
    assert.equal(
      launchSourceLabel(group('a', { mixedInstancesTemplates: [{ id: 'lt-1', version: '$Latest' }] })),
      'lt-1 version $Latest',
    );
    assert.equal(launchSourceLabel(group('a', { launchConfigurationName: 'old-lc' })), 'launch configuration old-lc');
    assert.equal(launchSourceLabel(group('a')), undefined);
    assert.equal(templateLabel({ id: 'lt-9' }), 'lt-9 version $Default');
  });
});

describe('groups short of instances', () => {
  it('counts a group short of capacity, or one whose warm pool lacks instances', () => {
    const cases: [string, Partial<AutoScalingGroupSummary>, boolean][] = [
      ['short of capacity, no warm pool', { shortOfCapacity: true }, true],
      ['short of capacity, warm pool full', { shortOfCapacity: true, hasWarmPool: true, warmPoolShortfall: 0 }, true],
      ['all in service, warm pool 1 short', { shortOfCapacity: false, hasWarmPool: true, warmPoolShortfall: 1 }, true],
      ['all in service, warm pool full', { shortOfCapacity: false, hasWarmPool: true, warmPoolShortfall: 0 }, false],
      ['all in service, no warm pool', { shortOfCapacity: false }, false],
    ];
    for (const [what, overrides, expected] of cases)
      assert.equal(isShortOfInstances(group('g', overrides)), expected, what);
  });
});
