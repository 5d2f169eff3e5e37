/**
 * Check Launch Readiness without VS Code: what its argument names (tree nodes and links) and
 * the items of its palette path. The listing of launch templates that feeds them is tested
 * with the AWS layer (test/unit/aws/launch-templates.test.ts).
 */
import * as assert from 'node:assert/strict';
import type { AutoScalingGroupSummary, Outcome } from '../../../src/core/model';
import type { GroupNode } from '../../../src/vscode/explorer/groupNodes';
import {
  SUBJECT_KIND_ITEMS,
  groupStepItems,
  launchTemplateItems,
  readinessGroupItems,
  toReadinessTarget,
} from '../../../src/vscode/diagnose/readinessPicks';

const WHERE = { profile: 'platform-admin', region: 'us-west-2' };

describe('Check Launch Readiness: its argument', () => {
  it('takes a failing group node of the tree as that group', () => {
    const node = {
      type: 'group',
      ...WHERE,
      failing: { group: { name: 'eks-nodes-asg' } },
    } as unknown as GroupNode;
    assert.deepEqual(toReadinessTarget(node), {
      ...WHERE,
      subject: { kind: 'auto-scaling-group', groupName: 'eks-nodes-asg' },
    });
  });

  it('takes a stopped instance node, and the objects report links carry', () => {
    assert.deepEqual(toReadinessTarget({ type: 'instance', ...WHERE, instance: { id: 'i-0abc', state: 'stopped' } }), {
      ...WHERE,
      subject: { kind: 'stopped-instance', instanceId: 'i-0abc' },
    });
    assert.deepEqual(toReadinessTarget({ ...WHERE, groupName: 'web' }), {
      ...WHERE,
      subject: { kind: 'auto-scaling-group', groupName: 'web' },
    });
    assert.deepEqual(
      toReadinessTarget({ ...WHERE, launchTemplate: { id: 'lt-0a1b2c3d4e5f60001', version: '$Latest' } }),
      {
        ...WHERE,
        subject: { kind: 'launch-template', template: { id: 'lt-0a1b2c3d4e5f60001', version: '$Latest' } },
      },
    );
  });

  it('names nothing for anything else, so the palette asks', () => {
    for (const arg of [
      undefined,
      'eks-nodes-asg',
      { type: 'region', ...WHERE },
      { ...WHERE },
      { profile: 'p', groupName: 'web' },
      { ...WHERE, groupName: 'web', instanceId: 'i-0abc' },
      { ...WHERE, launchTemplate: { version: '1' } },
      { ...WHERE, launchTemplate: { id: 7 } },
    ])
      assert.equal(toReadinessTarget(arg), undefined, JSON.stringify(arg));
  });
});

describe('Check Launch Readiness: its palette items', () => {
  it('asks for a group or a launch template', () => {
    assert.deepEqual(
      SUBJECT_KIND_ITEMS.map((i) => i.kind),
      ['auto-scaling-group', 'launch-template'],
    );
  });

  it('lists templates by name at their default version, and the latest too where it differs', () => {
    const items = launchTemplateItems([
      { id: 'lt-0000000000000000b', name: 'web', defaultVersion: 2, latestVersion: 5 },
      { id: 'lt-0000000000000000a', name: 'api', defaultVersion: 1, latestVersion: 1 },
      { id: 'lt-0000000000000000c' },
    ]);
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.template]),
      [
        [
          'api',
          'lt-0000000000000000a · default version 1',
          { id: 'lt-0000000000000000a', name: 'api', version: '$Default' },
        ],
        [
          'lt-0000000000000000c',
          'lt-0000000000000000c · default version',
          { id: 'lt-0000000000000000c', version: '$Default' },
        ],
        [
          'web',
          'lt-0000000000000000b · default version 2',
          { id: 'lt-0000000000000000b', name: 'web', version: '$Default' },
        ],
        [
          'web',
          'lt-0000000000000000b · latest version 5 (not the default)',
          { id: 'lt-0000000000000000b', name: 'web', version: '$Latest' },
        ],
      ],
    );
  });

  it('shows a template name with icon syntax as typed, and keeps the real name beside it', () => {
    const [item] = launchTemplateItems([{ id: 'lt-0000000000000000a', name: '$(warning) prod', defaultVersion: 1 }]);
    assert.equal(item.label, '\\$(warning) prod');
    assert.equal(item.template.name, '$(warning) prod');
  });
});

describe('Check Launch Readiness: its group items', () => {
  const group = (name: string, shortOfCapacity: boolean) =>
    ({ name, shortOfCapacity, inServiceCount: 0, desiredCapacity: 1 }) as AutoScalingGroupSummary;

  it('puts the groups short of instances first, under headings when both parts exist', () => {
    const items = readinessGroupItems([group('web', false), group('eks-nodes-asg', true), group('api', false)]);
    assert.deepEqual(
      items.map((i) => [i.label, i.separator === true, i.groupName]),
      [
        ['Short of instances (1)', true, ''],
        ['$(warning) eks-nodes-asg', false, 'eks-nodes-asg'],
        ['Other groups (2)', true, ''],
        ['api', false, 'api'],
        ['web', false, 'web'],
      ],
    );
    assert.ok(items.filter((i) => i.separator).every((i) => i.pickable === false));
  });

  it('counts a group whose warm pool lacks instances as short, and says so beside it', () => {
    const warm = {
      ...group('warm-asg', false),
      inServiceCount: 1,
      warmPoolShortfall: 2,
    } as AutoScalingGroupSummary;
    const full = { ...group('full-asg', false), inServiceCount: 1, warmPoolShortfall: 0 } as AutoScalingGroupSummary;
    const items = readinessGroupItems([full, warm]);
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.groupName]),
      [
        ['Short of instances (1)', undefined, ''],
        ['$(warning) warm-asg', '1/1 in service, warm pool 2 short', 'warm-asg'],
        ['Other groups (1)', undefined, ''],
        ['full-asg', '1/1 in service', 'full-asg'],
      ],
    );
  });

  it('needs no heading for one part', () => {
    assert.deepEqual(
      readinessGroupItems([group('b', false), group('a', false)]).map((i) => i.groupName),
      ['a', 'b'],
    );
  });
});

describe('the group step of both group palette paths', () => {
  const group = (name: string, shortOfCapacity: boolean) =>
    ({ name, shortOfCapacity, inServiceCount: 0, desiredCapacity: 1 }) as AutoScalingGroupSummary;
  const listing = (outcome: Outcome<AutoScalingGroupSummary[]>) => ({
    autoScalingGroups: async (profile: string, region: string) => {
      assert.deepEqual([profile, region], [WHERE.profile, WHERE.region]);
      return outcome;
    },
  });

  it('lists the groups under their headings', async () => {
    const items = await groupStepItems(
      listing({ ok: true, value: [group('web', false), group('eks-nodes-asg', true)] }),
      WHERE.profile,
      WHERE.region,
    );
    assert.deepEqual(
      items.map((i) => i.groupName),
      ['', 'eks-nodes-asg', '', 'web'],
    );
  });

  it('says so when the region has none, as an item that cannot be chosen', async () => {
    const items = await groupStepItems(listing({ ok: true, value: [] }), WHERE.profile, WHERE.region);
    assert.deepEqual(
      items.map((i) => [i.label, i.pickable, i.groupName]),
      [['No Auto Scaling groups in us-west-2', false, '']],
    );
  });

  it('turns a failed listing into items with what to do, none of them a group', async () => {
    const error = {
      kind: 'access-denied',
      message: 'not allowed',
      nextStep: 'Allow autoscaling:DescribeAutoScalingGroups.',
    };
    const items = await groupStepItems(
      listing({ ok: false, error } as Outcome<AutoScalingGroupSummary[]>),
      WHERE.profile,
      WHERE.region,
    );
    assert.ok(items.length > 0);
    assert.ok(
      items.every((i) => i.pickable === false && i.groupName === ''),
      JSON.stringify(items),
    );
    assert.match(
      items.map((i) => `${i.label} ${i.detail ?? ''} ${i.description ?? ''}`).join(' '),
      /Could not list Auto Scaling groups in us-west-2/,
    );
    assert.match(
      items.map((i) => `${i.label} ${i.detail ?? ''} ${i.description ?? ''}`).join(' '),
      /autoscaling:DescribeAutoScalingGroups/,
    );
  });
});
