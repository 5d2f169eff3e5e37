import * as assert from 'node:assert/strict';
import type { LaunchPrediction } from '../../../src/core/diagnosis/predict';
import { readinessArgsOf, subjectOfArgs } from '../../../src/core/diagnosis/readinessArgs';
import {
  PREDICTION_NOTE,
  readinessActions,
  readinessHeadline,
  readinessJson,
  readinessMarkdown,
  readinessText,
  subjectName,
} from '../../../src/core/diagnosis/readinessText';
import type { Fix } from '../../../src/core/diagnosis/types';

const KEY = 'arn:aws:kms:us-west-2:333333333333:key/5c466b7d-0001-4abc-8def-000000000001';
const ROLE = 'arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
const CONTEXT = { profile: 'platform-admin', region: 'us-west-2', predictedAt: '2024-10-04T18:06:36.000Z' };
const GROUP = { kind: 'auto-scaling-group' as const, groupName: 'eks-nodes-asg' };

const KEY_POLICY_FIX: Fix = {
  target: 'key-policy',
  keyArn: KEY,
  principalArn: ROLE,
  statement: { Sid: 'Allow service-linked role use of the customer managed key', Effect: 'Allow' },
  role: 'required',
};

function prediction(overrides: Partial<LaunchPrediction> = {}): LaunchPrediction {
  return {
    kind: 'prediction',
    outcome: 'will-fail',
    code: 'kms-create-grant-not-allowed',
    reason: 'The role may not have EC2 create the grant.',
    subject: GROUP,
    principal: {
      arn: ROLE,
      source: 'auto-scaling-group',
      policyArn: ROLE,
      policyArnCertain: true,
      kind: 'role',
      serviceLinked: true,
    },
    keys: [
      {
        keyId: '5c466b7d',
        arn: KEY,
        accountId: '333333333333',
        state: 'Enabled',
        manager: 'CUSTOMER',
        aliases: ['alias/eks-nodes'],
      },
    ],
    unread: [],
    fixes: [KEY_POLICY_FIX],
    calls: { count: 6, rounds: 3, elapsedMs: 120, byAction: { 'kms:GetKeyPolicy': 1 } },
    ...overrides,
  };
}

/** The decoded argument of every `command:` link of the Markdown, by command. */
function links(markdown: string): { command: string; args: unknown }[] {
  return [...markdown.matchAll(/\]\(command:([\w.]+)\?([^)\s]+)\)/g)].map((m) => ({
    command: m[1],
    args: JSON.parse(decodeURIComponent(m[2]))[0],
  }));
}

describe('Launch readiness in words', () => {
  it('labels each outcome as a prediction about the subject', () => {
    assert.equal(
      readinessHeadline(prediction()),
      'Prediction: Auto Scaling group eks-nodes-asg will fail (kms-create-grant-not-allowed)',
    );
    assert.equal(
      readinessHeadline(prediction({ outcome: 'will-launch', code: undefined })),
      'Prediction: Auto Scaling group eks-nodes-asg will launch',
    );
    assert.equal(
      readinessHeadline(prediction({ outcome: 'unknown', code: undefined })),
      'Prediction: cannot tell whether Auto Scaling group eks-nodes-asg will launch',
    );
    const template = { kind: 'launch-template' as const, template: { id: 'lt-0a1b2c3d4e5f60001', name: 'eks-nodes' } };
    assert.equal(subjectName(template), 'launch template eks-nodes (lt-0a1b2c3d4e5f60001) version $Default');
    assert.equal(
      subjectName({ kind: 'launch-template', template: { id: 'lt-0a1b2c3d4e5f60001', version: '3' } }),
      'launch template lt-0a1b2c3d4e5f60001 version 3',
    );
    assert.equal(subjectName({ kind: 'stopped-instance', instanceId: 'i-0abc' }), 'instance i-0abc');
  });

  it('shows a will-fail prediction with its reason, principal, keys and the fix with the report links', () => {
    const md = readinessMarkdown(prediction(), CONTEXT, { links: true });
    assert.match(
      md,
      /^# Prediction: Auto Scaling group `eks-nodes-asg` will fail \(`kms-create-grant-not-allowed`\)$/m,
    );
    assert.ok(md.includes(PREDICTION_NOTE), 'says it is a prediction, not a diagnosis');
    assert.match(md, /## Why\n\nThe role may not have EC2 create the grant\./);
    assert.match(md, /\| From \| the group's service-linked role \|/);
    assert.match(md, /\| `arn:aws:kms:[^|]+` \| alias\/eks-nodes \| Enabled \| CUSTOMER \|/);
    assert.match(md, /## Fix\n\n### Add to the key policy of `arn:aws:kms:/);
    const byCommand = links(md);
    assert.deepEqual(
      byCommand.map((l) => l.command),
      [
        'ec2LaunchDoctor.checkLaunchReadiness',
        'ec2LaunchDoctor.diagnoseAutoScalingGroup',
        'ec2LaunchDoctor.openKeyPolicy',
        'ec2LaunchDoctor.copyStatement',
      ],
    );
    assert.deepEqual(byCommand[0].args, { profile: 'platform-admin', region: 'us-west-2', groupName: 'eks-nodes-asg' });
    assert.deepEqual(byCommand[2].args, {
      profile: 'platform-admin',
      region: 'us-west-2',
      keyArn: KEY,
      principalArn: ROLE,
    });
    assert.deepEqual(byCommand[3].args, { statement: KEY_POLICY_FIX.statement, target: 'key-policy' });
    assert.doesNotMatch(readinessMarkdown(prediction(), CONTEXT), /command:/, 'no links unless asked');
  });

  it('offers Create grant and Enable key where the fix is a grant or a key state', () => {
    const grant: Fix = {
      target: 'grant',
      keyArn: KEY,
      principalArn: ROLE,
      operations: ['Decrypt'],
      account: '444455556666',
      command: ['aws', 'kms', 'create-grant', '--key-id', KEY],
      args: { profile: 'p', region: 'us-west-2', keyArn: KEY, granteePrincipal: ROLE, operations: ['Decrypt'] },
      role: 'required',
    };
    const enable: Fix = { target: 'key-state', keyArn: KEY, action: 'enable-key', role: 'required' };
    const md = readinessMarkdown(prediction({ fixes: [grant, enable] }), CONTEXT, { links: true });
    const found = links(md);
    assert.deepEqual(found.find((l) => l.command === 'ec2LaunchDoctor.createGrant')?.args, grant.args);
    assert.deepEqual(found.find((l) => l.command === 'ec2LaunchDoctor.changeKeyState')?.args, {
      profile: 'platform-admin',
      keyArn: KEY,
      action: 'enable-key',
    });
    assert.match(md, /```sh\naws kms create-grant --key-id arn:aws:kms:/);
  });

  it('lists what could not be read, and no fix, when it cannot tell', () => {
    const md = readinessMarkdown(
      prediction({
        outcome: 'unknown',
        code: undefined,
        fixes: [KEY_POLICY_FIX],
        unread: ['Key policy of k: allow kms:GetKeyPolicy.'],
      }),
      CONTEXT,
      { links: true },
    );
    assert.match(md, /## Could not read\n\n- Key policy of k: allow kms:GetKeyPolicy\./);
    assert.doesNotMatch(md, /## Fix/);
    assert.match(md, /^# Prediction: cannot tell whether/m);
  });

  it('escapes every value from AWS: no link, HTML or block from a group name, a reason or an alias', () => {
    const hostile = '[x](command:ec2LaunchDoctor.createGrant) <img src=x> **b**\n# h';
    const md = readinessMarkdown(
      prediction({
        subject: { kind: 'auto-scaling-group', groupName: hostile },
        reason: hostile,
        unread: [hostile],
        keys: [{ keyId: 'k', arn: KEY, accountId: '3', state: hostile, manager: 'CUSTOMER', aliases: [hostile] }],
        fixes: [],
      }),
      CONTEXT,
      { links: true },
    );
    // Inside inline code a value is inert; outside it, nothing may stay markup.
    const prose = md.replace(/`[^`\n]*`/g, '');
    assert.doesNotMatch(prose, /<img/);
    assert.doesNotMatch(prose, /^# h/m);
    assert.doesNotMatch(prose, /(^|[^\\])\[x\]\(command:/m);
    assert.match(
      md,
      /^# Prediction: Auto Scaling group `\[x\]\(command:[^`]*` will fail/m,
      'the name is code in the headline',
    );
    // The only links are the page's own, and they carry the hostile name as encoded data.
    assert.deepEqual(
      links(md).map((l) => l.command),
      ['ec2LaunchDoctor.checkLaunchReadiness', 'ec2LaunchDoctor.diagnoseAutoScalingGroup'],
    );
    assert.equal((links(md)[0].args as { groupName: string }).groupName, hostile);
  });

  it('prints one inert line per value in a terminal, and the CLI JSON carries the prediction', () => {
    const text = readinessText(prediction({ reason: 'a\u001b]0;title\u0007\nb' }), CONTEXT);
    assert.ok(
      text.startsWith('Prediction: Auto Scaling group eks-nodes-asg will fail (kms-create-grant-not-allowed)\n'),
    );
    assert.ok(!text.includes('\u001b') && !text.includes('\u0007'), 'no escape sequence reaches the terminal');
    assert.match(text, /Launching principal: arn:aws:iam::333333333333:role\/.* \(the group's service-linked role\)/);
    assert.match(text, /"Sid": "Allow service-linked role use of the customer managed key"/);
    const json = readinessJson(prediction({ outcome: 'will-launch', code: undefined }), CONTEXT);
    assert.equal(json.kind, 'prediction');
    assert.equal(json.outcome, 'will-launch');
    assert.equal(json.headline, 'Prediction: Auto Scaling group eks-nodes-asg will launch');
    assert.equal('code' in json, false);
    assert.deepEqual(json.fixes, [], 'a launch that will succeed needs no fix');
    assert.deepEqual(json.subject, GROUP);
  });

  it('names each subject in links as the command takes it back', () => {
    const where = { profile: 'p', region: 'r' };
    for (const subject of [
      GROUP,
      { kind: 'stopped-instance' as const, instanceId: 'i-0abc' },
      { kind: 'launch-template' as const, template: { name: 'web', version: '$Latest' } },
    ])
      assert.deepEqual(subjectOfArgs(readinessArgsOf(subject, where)), subject);
    assert.equal(subjectOfArgs({ groupName: 'a', instanceId: 'i-0abc' }), undefined, 'two subjects name none');
    assert.equal(subjectOfArgs({ launchTemplate: { version: '1' } }), undefined, 'a template needs an id or a name');
    assert.deepEqual(
      readinessActions({ subject: { kind: 'launch-template', template: { id: 'lt-1' } } }, where).map((a) => a.label),
      ['Check again'],
      'a template has no diagnosis to offer',
    );
  });
});
