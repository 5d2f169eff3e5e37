import * as assert from 'node:assert/strict';
import type { AutoScalingGroupSummary, Outcome, ScalingActivity } from '../../../src/core/model';
import {
  filterFolder,
  folderChildren,
  folderDescription,
  groupChildren,
  groupsFolder,
  groupPickItems,
  groupTooltipMarkdown,
  listRegionGroups,
  toGroupTarget,
  type GroupListing,
  type GroupNode,
} from '../../../src/vscode/explorer/groupNodes';

const HOSTILE = [
  '$(warning) prod',
  '**bold** _em_ `code`',
  '[click](command:workbench.action.terminal.new)',
  '![img](https://attacker.example/p.png)',
  '<img src=x onerror=alert(1)>',
  'line one\nline two\r\n- list',
  'back\\slash\\',
];

/** Markdown's backslash escapes undone: what the renderer shows as text. */
function unescapeMarkdown(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}
const ICON = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
function renderedIcons(markdown: string): string[] {
  return [...unescapeMarkdown(markdown).matchAll(ICON)].filter((m) => !m[1]).map((m) => m[2]);
}

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

function failed(groupName: string, overrides: Partial<ScalingActivity> = {}): ScalingActivity {
  return {
    activityId: 'a-1',
    groupName,
    statusCode: 'Cancelled',
    failed: true,
    instanceIds: ['i-0123456789abcdef0'],
    statusMessage: 'Termination Reason: Client.InternalError',
    ...overrides,
  };
}

const listed = (value: GroupListing): Outcome<GroupListing> => ({ ok: true, value });

describe('the Auto Scaling groups part of a region', () => {
  it('shows the failing groups with their template version, message and terminated instances', () => {
    const folder = groupsFolder(
      'dev',
      'us-west-2',
      false,
      listed({
        groups: [
          group('nodes', { launchTemplate: { id: 'lt-0abc', version: '2' } }),
          group('healthy', { shortOfCapacity: false }),
        ],
        activities: [failed('nodes')],
      }),
    );
    assert.ok(folder);
    assert.equal(folderDescription(folder), '1 failing to launch');
    const [node] = folderChildren(folder) as GroupNode[];
    assert.equal(node.failing.group.name, 'nodes');
    const rows = groupChildren(node);
    assert.deepEqual(
      rows.map((r) => [r.label, r.description]),
      [
        ['lt-0abc version 2', 'launches from'],
        ['Termination Reason: Client.InternalError', 'Cancelled activity'],
        ['i-0123456789abcdef0', 'terminated at launch'],
      ],
    );
  });

  it('has no part when no group is failing', () => {
    assert.equal(groupsFolder('dev', 'us-west-2', false, listed({ groups: [group('a')], activities: [] })), undefined);
  });

  it('shows a failed listing as an error node with its next step', () => {
    const folder = groupsFolder('dev', 'us-west-2', true, {
      ok: false,
      error: {
        kind: 'access-denied',
        message: 'no',
        nextStep: 'Allow autoscaling:DescribeAutoScalingGroups.',
        action: 'autoscaling:DescribeAutoScalingGroups',
      },
    });
    assert.ok(folder?.error);
    assert.equal(folder.error.sso, true);
    assert.deepEqual(folderChildren(folder), [folder.error]);
    assert.match(folderDescription(folder), /Allow autoscaling:DescribeAutoScalingGroups/);
  });

  it('never rejects: a throwing backend and a stalled one end as error nodes', async () => {
    const where = { profile: 'dev', region: 'us-west-2', sso: false };
    const thrown = await listRegionGroups(
      async () => {
        throw new Error('boom');
      },
      where,
      new AbortController().signal,
      1000,
    );
    assert.equal(thrown?.error?.failure.message, 'boom');
    const stalled = await listRegionGroups(() => new Promise(() => {}), where, new AbortController().signal, 20);
    assert.equal(stalled?.error?.failure.code, 'TimeoutError');
  });

  it('asks the backend once per call, with the profile and region', async () => {
    const asked: string[] = [];
    await listRegionGroups(
      async (profile, region) => {
        asked.push(`${profile}/${region}`);
        return listed({ groups: [], activities: [] });
      },
      { profile: 'dev', region: 'eu-west-1', sso: false },
      new AbortController().signal,
      1000,
    );
    assert.deepEqual(asked, ['dev/eu-west-1']);
  });

  it('keeps only the groups a text filter matches', () => {
    const folder = groupsFolder(
      'dev',
      'r',
      false,
      listed({ groups: [group('web'), group('api')], activities: [failed('web'), failed('api')] }),
    );
    assert.deepEqual(
      filterFolder(folder, 'WE')?.groups.map((g) => g.failing.group.name),
      ['web'],
    );
    assert.equal(filterFolder(folder, 'zzz'), undefined);
    assert.equal(filterFolder(folder, undefined), folder);
  });

  it('escapes hostile group names and messages in the tooltip; labels stay on one line', () => {
    for (const text of HOSTILE) {
      const folder = groupsFolder(
        'dev',
        'r',
        false,
        listed({
          groups: [group(text, { launchTemplate: { name: text, version: text }, serviceLinkedRoleArn: text })],
          activities: [failed(text, { statusMessage: text, statusCode: 'Failed' })],
        }),
      );
      const [node] = folderChildren(folder!) as GroupNode[];
      const md = groupTooltipMarkdown(node);
      assert.deepEqual(renderedIcons(md), ['warning'], `${JSON.stringify(text)} -> ${md}`);
      assert.doesNotMatch(md, /(^|[^\\])\[click\]\(/, 'no link made by the data');
      assert.doesNotMatch(md, /(^|[^\\])<img/, 'no HTML made by the data');
      assert.doesNotMatch(md, /(^|[^\\])\*\*bold/, 'no markup made by the data');
      assert.equal(md.split('\n').filter((l) => l.startsWith('- ')).length, 6, 'no list rows made by the data');
      for (const row of groupChildren(node)) assert.doesNotMatch(row.label, /[\r\n]/);
    }
  });

  it('offers the groups short of capacity first in the palette, names escaped, the real name beside', () => {
    const items = groupPickItems([
      group('b-ok', { shortOfCapacity: false, inServiceCount: 2 }),
      group('$(check) z'),
      group('a'),
    ]);
    assert.deepEqual(
      items.map((i) => i.label),
      ['$(warning) \\$(check) z', '$(warning) a', 'b-ok'],
    );
    assert.deepEqual(
      items.map((i) => i.groupName),
      ['$(check) z', 'a', 'b-ok'],
    );
    assert.equal(items[2].description, '2/2 in service');
  });

  it('reads the group a command argument names: a tree node or a plain target, nothing else', () => {
    const folder = groupsFolder(
      'dev',
      'us-west-2',
      false,
      listed({ groups: [group('nodes')], activities: [failed('nodes')] }),
    );
    const [node] = folderChildren(folder!) as GroupNode[];
    assert.deepEqual(toGroupTarget(node), { profile: 'dev', region: 'us-west-2', groupName: 'nodes' });
    assert.deepEqual(toGroupTarget({ profile: 'p', region: 'r', groupName: 'g' }), {
      profile: 'p',
      region: 'r',
      groupName: 'g',
    });
    for (const bad of [
      undefined,
      null,
      'nodes',
      {},
      { profile: 'p', region: 'r' },
      { profile: 'p', region: 'r', groupName: 7 },
      { profile: '', region: 'r', groupName: 'g' },
    ]) {
      assert.equal(toGroupTarget(bad), undefined, JSON.stringify(bad));
    }
  });
});
