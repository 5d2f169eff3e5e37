/**
 * Check Launch Readiness without VS Code: what its argument names (tree nodes and links), the
 * items of its palette path, and the paged listing of launch templates that feeds them.
 */
import * as assert from 'node:assert/strict';
import { describeLaunchTemplates, mapLaunchTemplate } from '../../../src/aws/ec2';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { AutoScalingGroupSummary, Outcome } from '../../../src/core/model';
import type { GroupNode } from '../../../src/vscode/explorer/groupNodes';
import {
  SUBJECT_KIND_ITEMS,
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

describe('describeLaunchTemplates', () => {
  /** A session answering DescribeLaunchTemplates with `pages`, recording the inputs. */
  function pagedSession(pages: unknown[]): {
    session: SessionPort;
    inputs: Record<string, unknown>[];
    actions: string[];
  } {
    const inputs: Record<string, unknown>[] = [];
    const actions: string[] = [];
    const session = {
      send<Output>(
        _service: string,
        _profile: string,
        _region: string,
        command: SdkCommand<Output>,
        action: string,
      ): Promise<Outcome<Output>> {
        inputs.push(command.input as Record<string, unknown>);
        actions.push(action);
        return Promise.resolve({ ok: true, value: pages[inputs.length - 1] as Output });
      },
    } as unknown as SessionPort;
    return { session, inputs, actions };
  }

  it('reads every page, sending the NextToken back, and maps each template with its versions', async () => {
    const { session, inputs, actions } = pagedSession([
      {
        LaunchTemplates: [
          {
            LaunchTemplateId: 'lt-0a1b2c3d4e5f60001',
            LaunchTemplateName: 'eks-nodes',
            DefaultVersionNumber: 2,
            LatestVersionNumber: 3,
          },
        ],
        NextToken: 't1',
      },
      { LaunchTemplates: [{ LaunchTemplateId: 'lt-0a1b2c3d4e5f60002' }, { LaunchTemplateName: 'no-id' }] },
    ]);
    const out = await describeLaunchTemplates(session, 'p', 'us-west-2');
    assert.deepEqual(out, {
      ok: true,
      value: [
        { id: 'lt-0a1b2c3d4e5f60001', name: 'eks-nodes', defaultVersion: 2, latestVersion: 3 },
        { id: 'lt-0a1b2c3d4e5f60002' },
      ],
    });
    assert.deepEqual(
      inputs.map((i) => [i.MaxResults, i.NextToken]),
      [
        [200, undefined],
        [200, 't1'],
      ],
    );
    assert.deepEqual(actions, ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplates']);
    assert.deepEqual(mapLaunchTemplate({}), [], 'a template without an id cannot be asked about');
  });

  it('hands a failed page on as the failure, not a partial list', async () => {
    const failure = { kind: 'access-denied' as const, message: 'no', nextStep: 'allow ec2:DescribeLaunchTemplates' };
    const calls: number[] = [];
    const session = {
      send: () => {
        calls.push(1);
        return Promise.resolve(
          calls.length === 1
            ? { ok: true, value: { LaunchTemplates: [{ LaunchTemplateId: 'lt-0a1b2c3d4e5f60001' }], NextToken: 't' } }
            : { ok: false, error: failure },
        );
      },
    } as unknown as SessionPort;
    assert.deepEqual(await describeLaunchTemplates(session, 'p', 'r'), { ok: false, error: failure });
    assert.equal(calls.length, 2);
  });
});

describe('Check Launch Readiness: its group items', () => {
  const group = (name: string, shortOfCapacity: boolean) =>
    ({ name, shortOfCapacity, inServiceCount: 0, desiredCapacity: 1 }) as AutoScalingGroupSummary;

  it('puts the groups short of capacity first, under headings when both parts exist', () => {
    const items = readinessGroupItems([group('web', false), group('eks-nodes-asg', true), group('api', false)]);
    assert.deepEqual(
      items.map((i) => [i.label, i.separator === true, i.groupName]),
      [
        ['Short of capacity (1)', true, ''],
        ['$(warning) eks-nodes-asg', false, 'eks-nodes-asg'],
        ['Other groups (2)', true, ''],
        ['api', false, 'api'],
        ['web', false, 'web'],
      ],
    );
    assert.ok(items.filter((i) => i.separator).every((i) => i.pickable === false));
  });

  it('needs no heading for one part', () => {
    assert.deepEqual(
      readinessGroupItems([group('b', false), group('a', false)]).map((i) => i.groupName),
      ['a', 'b'],
    );
  });
});
