import * as assert from 'node:assert/strict';
import type { AutoScalingGroup, WarmPoolConfiguration } from '@aws-sdk/client-auto-scaling';
import {
  expectedWarmPoolSize,
  groupsNeedingActivities,
  mapAutoScalingGroup,
  mapScalingActivity,
} from '../../../src/aws/autoscaling';
import { activityLaunchKind } from '../../../src/core/diagnosis/groupSteps';

describe('expectedWarmPoolSize (the warm pool sizing rule)', () => {
  // [configuration, MaxSize, DesiredCapacity, expected size, why]
  const cases: [WarmPoolConfiguration, number, number, number, string][] = [
    [{ PoolState: 'Stopped' }, 5, 2, 3, 'by default MaxSize - DesiredCapacity'],
    [{ MaxGroupPreparedCapacity: 4 }, 10, 1, 3, 'MaxGroupPreparedCapacity - DesiredCapacity when set'],
    [{ MaxGroupPreparedCapacity: -1 }, 6, 2, 4, '-1 removes MaxGroupPreparedCapacity: back to MaxSize'],
    [{ MinSize: 2 }, 3, 3, 2, 'MinSize is a floor when the group is at its maximum'],
    [{ MaxGroupPreparedCapacity: 2, MinSize: 1 }, 10, 5, 1, 'desired above MaxGroupPreparedCapacity: MinSize only'],
    [{ MaxGroupPreparedCapacity: 2 }, 10, 5, 0, 'never below 0'],
    [{ MaxGroupPreparedCapacity: 3, MinSize: 3 }, 10, 0, 3, 'equal values: an absolute size'],
    [{ Status: 'PendingDelete', MinSize: 2 }, 5, 1, 0, 'a pool being deleted is not refilled'],
  ];
  for (const [pool, max, desired, expected, why] of cases)
    it(`${why}: ${JSON.stringify(pool)}, MaxSize ${max}, desired ${desired} -> ${expected}`, () => {
      assert.equal(expectedWarmPoolSize(pool, max, desired), expected);
    });
});

describe('mapAutoScalingGroup with a warm pool', () => {
  const group = (over: Partial<AutoScalingGroup>): AutoScalingGroup =>
    ({
      AutoScalingGroupName: 'web',
      MinSize: 0,
      MaxSize: 3,
      DesiredCapacity: 1,
      Instances: [{ InstanceId: 'i-0000000000000000a', LifecycleState: 'InService' }],
      ...over,
    }) as AutoScalingGroup;

  it('a pool below its expected size is a shortfall, and the group needs its activities read', () => {
    const short = mapAutoScalingGroup(group({ WarmPoolConfiguration: { PoolState: 'Stopped' }, WarmPoolSize: 1 }), 'r');
    assert.equal(short.shortOfCapacity, false);
    assert.equal(short.hasWarmPool, true);
    assert.equal(short.warmPoolShortfall, 1, 'MaxSize 3 - desired 1 = 2 expected, 1 warmed');
    assert.deepEqual(
      groupsNeedingActivities([short]).map((g) => g.name),
      ['web'],
    );
  });

  it('a full pool, or none, is no shortfall: a healthy group stays at one request', () => {
    const full = mapAutoScalingGroup(group({ WarmPoolConfiguration: { PoolState: 'Running' }, WarmPoolSize: 2 }), 'r');
    assert.equal(full.warmPoolShortfall, 0);
    const none = mapAutoScalingGroup(group({}), 'r');
    assert.equal(none.warmPoolShortfall, undefined);
    assert.equal(none.hasWarmPool, false);
    assert.deepEqual(groupsNeedingActivities([full, none]), []);
  });

  it('no WarmPoolSize reported reads as an empty pool', () => {
    const unreported = mapAutoScalingGroup(group({ WarmPoolConfiguration: { MaxGroupPreparedCapacity: 2 } }), 'r');
    assert.equal(unreported.warmPoolShortfall, 1);
  });
});

describe('warm pool scaling activities', () => {
  it('reads the instance id of a launch into the warm pool and knows it for one (AWS Compute Blog wording)', () => {
    const into = mapScalingActivity({
      ActivityId: 'a-1',
      AutoScalingGroupName: 'web',
      Description:
        'Launching a new EC2 instance into warm pool: i-0ea10fdc59a07df6e.  Status Reason: Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch',
      Cause: 'At 2024-10-04T18:06:36Z an instance was launched into the warm pool.',
      StartTime: new Date('2024-10-04T18:06:36Z'),
      StatusCode: 'Cancelled',
      Progress: 100,
    });
    assert.deepEqual(into.instanceIds, ['i-0ea10fdc59a07df6e']);
    assert.equal(into.failed, true);
    assert.equal(activityLaunchKind(into), 'into-warm-pool');
    assert.equal(
      activityLaunchKind({ description: 'Launching a new EC2 instance from warm pool: i-0ea10fdc59a07df6e' }),
      'from-warm-pool',
    );
    assert.equal(activityLaunchKind({ description: 'Launching a new EC2 instance: i-0ea10fdc59a07df6e' }), 'group');
    assert.equal(activityLaunchKind({}), 'group');
  });
});
