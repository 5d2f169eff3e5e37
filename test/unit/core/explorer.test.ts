import * as assert from 'node:assert/strict';
import { instanceConsoleUrl, keyConsoleUrl } from '../../../src/core/console';
import { CONTEXT, instanceContext } from '../../../src/core/explorer/contextValues';
import { isInstanceId } from '../../../src/core/ids';
import {
  describeFilter,
  describeFilteredCounts,
  describeRegionCounts,
  failingProfilesFirst,
  filterInstances,
  isTransitional,
  pollDelayMs,
  sortInstances,
  stoppedAtLaunch,
} from '../../../src/core/explorer/regionSummary';
import type { InstanceSummary } from '../../../src/core/model';

function instance(id: string, overrides: Partial<InstanceSummary> = {}): InstanceSummary {
  return { id, region: 'eu-west-1', state: 'running', blockDevices: [], ...overrides };
}

const launchFailure = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
const userStop = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

describe('instances in the tree', () => {
  it('marks only stopped (or terminated) instances whose reason is a launch failure', () => {
    assert.equal(stoppedAtLaunch(instance('i-1', { state: 'stopped', stateReason: launchFailure })), true);
    assert.equal(stoppedAtLaunch(instance('i-2', { state: 'terminated', stateReason: launchFailure })), true);
    assert.equal(stoppedAtLaunch(instance('i-3', { state: 'stopped', stateReason: userStop })), false);
    assert.equal(stoppedAtLaunch(instance('i-4', { state: 'running' })), false);
    assert.equal(stoppedAtLaunch(instance('i-5', { state: 'stopped' })), false);
  });

  it('counts a region the way its node says it', () => {
    assert.equal(describeRegionCounts([]), '0 instances');
    assert.equal(describeRegionCounts([instance('i-1')]), '1 instance');
    assert.equal(
      describeRegionCounts([
        instance('i-1'),
        instance('i-2', { state: 'stopped', stateReason: launchFailure }),
        instance('i-3', { state: 'stopped', stateReason: userStop }),
      ]),
      '3 instances, 1 stopped at launch',
    );
  });

  it('puts instances stopped at launch first, then orders by name or id', () => {
    const sorted = sortInstances([
      instance('i-3', { name: 'web' }),
      instance('i-1'),
      instance('i-2', { name: 'zeta', state: 'stopped', stateReason: launchFailure }),
      instance('i-4', { name: 'api' }),
    ]);
    assert.deepEqual(
      sorted.map((i) => i.id),
      ['i-2', 'i-4', 'i-1', 'i-3'],
    );
  });

  it('filters on name or id, case-insensitively, and on "stopped at launch only"', () => {
    const all = [
      instance('i-0abc', { name: 'Web-1' }),
      instance('i-0def', { name: 'db', state: 'stopped', stateReason: launchFailure }),
    ];
    assert.deepEqual(
      filterInstances(all, {}).map((i) => i.id),
      ['i-0abc', 'i-0def'],
    );
    assert.deepEqual(
      filterInstances(all, { text: 'WEB' }).map((i) => i.id),
      ['i-0abc'],
    );
    assert.deepEqual(
      filterInstances(all, { text: '0de' }).map((i) => i.id),
      ['i-0def'],
    );
    assert.deepEqual(
      filterInstances(all, { stoppedAtLaunchOnly: true }).map((i) => i.id),
      ['i-0def'],
    );
    assert.deepEqual(filterInstances(all, { text: 'web', stoppedAtLaunchOnly: true }), []);
  });

  it('follows pending, stopping and shutting-down instances with a growing delay', () => {
    assert.deepEqual(
      (['pending', 'stopping', 'shutting-down', 'running', 'stopped', 'terminated'] as const).map((state) =>
        isTransitional(instance('i', { state })),
      ),
      [true, true, true, false, false, false],
    );
    const delays = [0, 1, 2, 3, 4, 10].map(pollDelayMs);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i] >= delays[i - 1]);
    assert.equal(pollDelayMs(100), pollDelayMs(4), 'the delay stops growing');
  });
});

describe('AWS console links', () => {
  it('point at the instance in its own region and partition', () => {
    assert.equal(
      instanceConsoleUrl('eu-west-1', 'i-0123'),
      'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0123',
    );
    assert.match(
      instanceConsoleUrl('cn-north-1', 'i-1'),
      /^https:\/\/console\.amazonaws\.cn\/ec2\/home\?region=cn-north-1#/,
    );
    assert.match(instanceConsoleUrl('us-gov-west-1', 'i-1'), /^https:\/\/console\.amazonaws-us-gov\.com\//);
    assert.equal(
      keyConsoleUrl('us-east-1', 'k-1'),
      'https://us-east-1.console.aws.amazon.com/kms/home?region=us-east-1#/kms/keys/k-1',
    );
  });
});

describe('isInstanceId', () => {
  it('accepts the short and long forms and nothing else', () => {
    assert.equal(isInstanceId('i-0123abcd'), true);
    assert.equal(isInstanceId('i-00de0000000000004'), true);
    for (const bad of ['i-0123abc', 'i-0123ABCD', 'vol-0123abcd', ' i-0123abcd', 'i-00de00000000000041'])
      assert.equal(isInstanceId(bad), false, bad);
  });
});

describe('the context value of an instance item', () => {
  it('offers Diagnose for launch failures, Start for stopped and Stop for running instances', () => {
    assert.equal(
      instanceContext(instance('i-1', { state: 'stopped', stateReason: launchFailure })),
      CONTEXT.instanceStoppedAtLaunch,
    );
    assert.equal(
      instanceContext(instance('i-2', { state: 'terminated', stateReason: launchFailure })),
      CONTEXT.instanceTerminatedAtLaunch,
    );
    assert.equal(
      instanceContext(instance('i-3', { state: 'stopped', stateReason: userStop })),
      CONTEXT.instanceStopped,
    );
    assert.equal(instanceContext(instance('i-4', { state: 'running' })), CONTEXT.instanceRunning);
    for (const state of ['pending', 'stopping', 'shutting-down', 'terminated'] as const) {
      assert.equal(instanceContext(instance('i-5', { state })), CONTEXT.instanceOther, state);
    }
  });
});

describe('an active filter in the view', () => {
  const instances = [
    { id: 'i-0000000000000000a', region: 'r', state: 'running' as const, blockDevices: [], name: 'app-1' },
    {
      id: 'i-0000000000000000b',
      region: 'r',
      state: 'stopped' as const,
      blockDevices: [],
      name: 'db-1',
      stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
    },
  ];

  it('is named in the view description, and nothing is said without one', () => {
    assert.equal(
      describeFilter({ text: ' app ', stoppedAtLaunchOnly: true }),
      'Filter: "app" · stopped at launch only',
    );
    assert.equal(describeFilter({ text: '  ' }), undefined);
    assert.equal(describeFilter({}), undefined);
  });

  it('makes the region counts say how many match, keeping the totals', () => {
    assert.equal(describeFilteredCounts(instances, { text: 'db' }), '1 of 2 match · 2 instances, 1 stopped at launch');
    assert.equal(
      describeFilteredCounts(instances, { stoppedAtLaunchOnly: true, text: 'app' }),
      '0 of 2 match · 2 instances, 1 stopped at launch',
    );
    assert.equal(describeFilteredCounts(instances, {}), '2 instances, 1 stopped at launch');
  });
});

describe('failingProfilesFirst', () => {
  it('puts the profiles with instances stopped at launch first, keeping the config order within each group', () => {
    const failures: Record<string, number> = { 'dev-admin': 0, 'dev-operator': 3, 'emulator-sso': 0, 'sec-admin': 1 };
    const ordered = failingProfilesFirst(Object.keys(failures), (name) => failures[name]);
    assert.deepEqual(ordered, ['dev-operator', 'sec-admin', 'dev-admin', 'emulator-sso']);
  });

  it('keeps the order as it is when no profile has a failure', () => {
    const names = ['b', 'a', 'c'];
    assert.deepEqual(
      failingProfilesFirst(names, () => 0),
      names,
    );
  });
});
