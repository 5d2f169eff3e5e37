import * as assert from 'node:assert/strict';
import { EXIT, exitOf, parseDiagnoseArguments } from '../../../src/cli/diagnose';
import { diagnoseAutoScalingGroup, jsonText, renderMarkdown, renderText, shellLine } from '../../../src/core/diagnosis';
import { NOW, baseWorld, fakePorts } from './fakes';

describe('diagnose --auto-scaling-group', () => {
  it('parses a group name as the target', () => {
    const parsed = parseDiagnoseArguments(
      ['--auto-scaling-group', 'eks-nodes', '--region', 'us-west-2', '--format', 'json'],
      {},
    );
    assert.deepEqual(parsed, {
      autoScalingGroup: 'eks-nodes',
      profile: 'default',
      region: 'us-west-2',
      format: 'json',
    });
  });

  const errors: [string[], RegExp][] = [
    [['--auto-scaling-group', 'g', '--instance', 'i-0123456789abcdef0'], /not both/],
    [[], /--instance is required \(or --auto-scaling-group for a group\)/],
    [['--auto-scaling-group', ''], /needs a value/],
    [['--auto-scaling-group', 'bad\u001bname'], /not an Auto Scaling group name/],
    [['--auto-scaling-group', 'x'.repeat(256)], /not an Auto Scaling group name/],
  ];
  for (const [args, expected] of errors) {
    it(`usage error: ${JSON.stringify(args).slice(0, 60)}`, () => {
      const parsed = parseDiagnoseArguments(args, {});
      assert.equal(typeof parsed, 'string');
      assert.match(String(parsed), expected);
    });
  }

  it('an instance still parses as before', () => {
    assert.deepEqual(parseDiagnoseArguments(['--instance', 'i-0123456789abcdef0'], { AWS_REGION: 'eu-west-1' }), {
      instanceId: 'i-0123456789abcdef0',
      profile: 'default',
      region: 'eu-west-1',
      format: 'text',
    });
  });

  it('the group report renders in every format, with the same JSON fields as an instance and subject auto-scaling-group', async () => {
    const world = baseWorld({ groups: [] });
    const report = await diagnoseAutoScalingGroup(
      { groupName: 'missing\u001b[2J', profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    const json = JSON.parse(jsonText(report));
    assert.equal(json.subject, 'auto-scaling-group');
    for (const field of ['verdict', 'steps', 'fix', 'fixes', 'principal', 'keys', 'calls', 'timeline'])
      assert.ok(field in json, field);
    assert.equal(json.group.name, 'missing\u001b[2J');
    assert.ok(!jsonText(report).includes('\u001b'), 'no raw escape in the JSON text');
    assert.ok(!renderText(report).includes('\u001b'), 'no raw escape in the text');
    assert.match(renderMarkdown(report), /^# Why Auto Scaling group `missing.\[2J` fails to launch/);
    assert.deepEqual(exitOf(report, 'dev').code, EXIT.noVerdict);
  });

  it('expired credentials on the group read exit as a usage error', async () => {
    const world = baseWorld({ groups: [] });
    world.failures.listAutoScalingGroups = {
      kind: 'expired-credentials',
      message: 'expired (test)',
      nextStep: 'sign in again',
    };
    const report = await diagnoseAutoScalingGroup(
      { groupName: 'g', profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(exitOf(report, 'dev').code, EXIT.usage);
  });
});

describe('the grant fix as a shell line', () => {
  it('quotes what is not plainly safe, so a hostile value stays one argument', () => {
    assert.equal(
      shellLine(['aws', 'kms', 'create-grant', '--key-id', 'arn:aws:kms:us-west-2:111122223333:key/abc']),
      'aws kms create-grant --key-id arn:aws:kms:us-west-2:111122223333:key/abc',
    );
    assert.equal(shellLine(['--profile', "dev'; rm -rf ~ #"]), `--profile 'dev'\\''; rm -rf ~ #'`);
    assert.equal(shellLine(['$(id)']), `'$(id)'`);
  });
});
