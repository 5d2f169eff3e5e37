/**
 * `ec2-launch-doctor readiness` (the built dist/cli.js) against the emulator: a prediction for
 * an Auto Scaling group (autoscaling scenario: its key policy does not let the group's
 * service-linked role use the key), for its launch template as the profile's own user, and
 * for a stopped instance (demo scenario: a disabled key). Exit codes: 0 will launch, 1 will
 * fail, 2 usage / credentials / not found, 3 cannot tell. The launch-template subject is
 * resolved with DescribeLaunchTemplateVersions; DescribeLaunchTemplates (the editor's pick)
 * is not used here.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AwsSession, getKeyPolicy, putKeyPolicy } from '../../src/aws';
import { startEmulator, writeAwsConfig, type Emulator } from '../emulator';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const PROFILE = 'platform-admin';
const REGION = 'us-west-2';
const GROUP = 'eks-nodes-asg';
const TEMPLATE_ID = 'lt-0a1b2c3d4e5f60001';
const ROLE = 'arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: env.HOME, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A running emulator of `scenario` with an AWS config pointing at it. */
function emulatorFixture(scenario: string) {
  const fixture = { emulator: undefined as unknown as Emulator, env: {} as Record<string, string>, dir: '' };
  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is missing: run npm run build');
    fixture.emulator = await startEmulator({ scenario, launchDelayMs: 0 });
    fixture.dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-readiness-'));
    const files = writeAwsConfig(fixture.dir, fixture.emulator, fixture.emulator.scenario);
    fixture.env = {
      AWS_CONFIG_FILE: files.configFile,
      AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
      HOME: fixture.dir,
    };
  });
  after(async () => {
    await fixture.emulator?.close();
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

describe('CLI readiness against the autoscaling scenario', function () {
  this.timeout(120_000);
  const f = emulatorFixture('autoscaling');
  const readiness = (args: string[]) => cli(['readiness', '--profile', PROFILE, '--region', REGION, ...args], f.env);

  it('predicts that the group will fail, as its role, with the key policy fix: exit 1', async () => {
    f.emulator.resetCalls();
    const run = await readiness(['--auto-scaling-group', GROUP, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const json = JSON.parse(run.stdout);
    assert.equal(json.kind, 'prediction');
    assert.equal(json.outcome, 'will-fail', json.reason);
    assert.equal(json.code, 'kms-create-grant-not-allowed');
    assert.equal(json.headline, `Prediction: Auto Scaling group ${GROUP} will fail (kms-create-grant-not-allowed)`);
    assert.deepEqual(json.subject, { kind: 'auto-scaling-group', groupName: GROUP });
    assert.equal(json.principal.policyArn ?? json.principal.arn, ROLE);
    assert.ok(
      json.fixes.some(
        (fix: { target: string; principalArn: string }) => fix.target === 'key-policy' && fix.principalArn === ROLE,
      ),
      JSON.stringify(json.fixes),
    );
    assert.equal(json.calls.byAction['cloudtrail:LookupEvents'], undefined, 'a prediction reads no CloudTrail');
  });

  it('prints the prediction as text and Markdown, labelled as a prediction', async () => {
    const text = await readiness(['--auto-scaling-group', GROUP]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(
      text.stdout,
      /^Prediction: Auto Scaling group eks-nodes-asg will fail \(kms-create-grant-not-allowed\)$/m,
    );
    assert.match(text.stdout, /Launching principal: arn:aws:iam::333333333333:role\/aws-service-role\//);
    const markdown = await readiness(['--auto-scaling-group', GROUP, '--format', 'markdown']);
    assert.match(markdown.stdout, /^# Prediction: Auto Scaling group `eks-nodes-asg` will fail/m);
    assert.doesNotMatch(markdown.stdout, /command:/, 'no editor links in a terminal');
  });

  it('predicts that the launch template launches as the profile, by name and by id and version: exit 0', async () => {
    const byName = await readiness(['--launch-template', 'eks-nodes', '--json']);
    assert.equal(byName.code, 0, byName.stderr);
    const json = JSON.parse(byName.stdout);
    assert.equal(json.outcome, 'will-launch', json.reason);
    assert.deepEqual(json.subject, { kind: 'launch-template', template: { name: 'eks-nodes', version: '$Default' } });
    assert.equal(json.principal.source, 'caller-identity');
    assert.ok(json.keys.length === 1 && json.keys[0].state === 'Enabled', JSON.stringify(json.keys));
    // Version 1 creates no encrypted volume: no key stands in the way.
    const v1 = await readiness(['--launch-template', TEMPLATE_ID, '--version', '1', '--json']);
    assert.equal(v1.code, 0, v1.stderr);
    assert.deepEqual(JSON.parse(v1.stdout).keys, []);
  });

  it('exits 2 with "not found" for a group, a template or a version that does not exist', async () => {
    const cases: [string[], RegExp][] = [
      [['--auto-scaling-group', 'no-such-group'], /not found: no Auto Scaling group named no-such-group in us-west-2/],
      [['--launch-template', 'no-such-template'], /not found: launch template no-such-template version \$Default/],
      [['--launch-template', 'eks-nodes', '--version', '9'], /not found: launch template eks-nodes version 9/],
    ];
    for (const [args, message] of cases) {
      const run = await readiness(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });

  it('exits 2 for an instance that is not stopped, naming its state: a terminated one points at its group', async () => {
    f.emulator.resetCalls();
    const run = await readiness(['--instance-id', 'i-1234abcd1234abcd1', '--json']);
    assert.equal(run.code, 2, `${run.stderr}\n${run.stdout}`);
    assert.match(run.stderr, /i-1234abcd1234abcd1 is terminated: a terminated instance cannot be started/);
    assert.match(run.stderr, /Auto Scaling group eks-nodes-asg/);
    assert.match(run.stderr, /readiness --auto-scaling-group/);
    assert.equal(run.stdout, '', 'no prediction is printed');
  });

  it('exits 2 on usage errors, naming the usage', async () => {
    const cases: [string[], RegExp][] = [
      [[], /name what launches: --auto-scaling-group, --launch-template or --instance-id/],
      [['--auto-scaling-group', GROUP, '--launch-template', 'eks-nodes'], /pass one of/],
      [['--auto-scaling-group', GROUP, '--version', '2'], /--version goes with --launch-template/],
      [['--launch-template', 'eks-nodes', '--version', 'newest'], /--version is a number, \$Latest or \$Default/],
      [['--instance-id', 'web-1'], /not an instance id: web-1/],
      [['--auto-scaling-group', GROUP, '--format', 'xml'], /--format must be one of text, json, markdown/],
      [['--auto-scaling-group', GROUP, '--json', '--format', 'text'], /pass --json or --format, not both/],
      [['--auto-scaling-group', GROUP, 'extra'], /unexpected argument extra/],
    ];
    for (const [args, message] of cases) {
      const run = await readiness(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: ec2-launch-doctor readiness/);
      assert.equal(run.stdout, '');
    }
  });

  it('prints its help with the exit codes and calls nothing', async () => {
    f.emulator.resetCalls();
    const run = await cli(['readiness', '--help'], f.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /exit codes:\n {2}0 {2}prediction: will launch\n {2}1 {2}prediction: will fail/);
    assert.equal(f.emulator.callCount(), 0);
  });

  it('exits 3, naming what it could not read, when the key policy cannot be read', async () => {
    f.emulator.setFaults([{ principal: PROFILE, action: 'GetKeyPolicy', error: 'AccessDenied' }]);
    try {
      const run = await readiness(['--auto-scaling-group', GROUP, '--json', '--timeout', '5']);
      assert.equal(run.code, 3, `${run.stderr}\n${run.stdout}`);
      const json = JSON.parse(run.stdout);
      assert.equal(json.outcome, 'unknown');
      assert.ok(
        json.unread.some((u: string) => /kms:GetKeyPolicy/.test(u)),
        JSON.stringify(json.unread),
      );
      assert.match(run.stderr, /cannot tell: .*kms:GetKeyPolicy/);
    } finally {
      f.emulator.setFaults([]);
    }
  });

  it('predicts that the group will launch once the key policy has the fix: exit 0', async () => {
    const before = JSON.parse((await readiness(['--auto-scaling-group', GROUP, '--json'])).stdout);
    const fixes = before.fixes.filter((fix: { target: string }) => fix.target === 'key-policy');
    assert.ok(fixes.length > 0, JSON.stringify(before.fixes));
    const session = new AwsSession({
      configFile: f.env.AWS_CONFIG_FILE,
      credentialsFile: f.env.AWS_SHARED_CREDENTIALS_FILE,
    });
    try {
      for (const keyArn of new Set<string>(fixes.map((fix: { keyArn: string }) => fix.keyArn))) {
        const read = await getKeyPolicy(session, PROFILE, REGION, keyArn);
        assert.ok(read.ok, JSON.stringify(read));
        const policy = JSON.parse(read.value) as { Statement: unknown[] };
        policy.Statement.push(
          ...fixes
            .filter((fix: { keyArn: string }) => fix.keyArn === keyArn)
            .map((fix: { statement: unknown }) => fix.statement),
        );
        const put = await putKeyPolicy(session, PROFILE, REGION, keyArn, JSON.stringify(policy));
        assert.ok(put.ok, JSON.stringify(put));
      }
    } finally {
      session.dispose();
    }
    const after = await readiness(['--auto-scaling-group', GROUP, '--json']);
    assert.equal(after.code, 0, after.stderr);
    const json = JSON.parse(after.stdout);
    assert.equal(json.outcome, 'will-launch', `${json.reason} ${json.unread.join(' ')}`);
    assert.deepEqual(json.fixes, []);
  });
});

describe('CLI readiness for a stopped instance (demo scenario)', function () {
  this.timeout(60_000);
  const f = emulatorFixture('demo');

  it('predicts that starting an instance on a disabled key fails: exit 1, and starts nothing', async () => {
    const run = await cli(
      [
        'readiness',
        '--profile',
        'dev-admin',
        '--region',
        'eu-west-1',
        '--instance-id',
        'i-00de0000000000005',
        '--json',
      ],
      f.env,
    );
    assert.equal(run.code, 1, run.stderr);
    const json = JSON.parse(run.stdout);
    assert.equal(json.outcome, 'will-fail', json.reason);
    assert.equal(json.code, 'kms-key-disabled');
    assert.equal(f.emulator.state.instances.get('i-00de0000000000005')?.state, 'stopped');
  });

  it('exits 2 for a running instance, naming its state, and starts or stops nothing', async () => {
    const run = await cli(
      ['readiness', '--profile', 'dev-admin', '--region', 'eu-west-1', '--instance-id', 'i-00de0000000000001'],
      f.env,
    );
    assert.equal(run.code, 2, `${run.stderr}\n${run.stdout}`);
    assert.match(run.stderr, /^i-00de0000000000001 is running: a prediction is for starting a stopped instance\./m);
    assert.equal(run.stdout, '');
    assert.equal(f.emulator.state.instances.get('i-00de0000000000001')?.state, 'running');
  });

  it('exits 2 for an instance that does not exist, and for expired credentials', async () => {
    const missing = await cli(
      ['readiness', '--profile', 'dev-admin', '--region', 'eu-west-1', '--instance', 'i-0fffffffffffffff0'],
      f.env,
    );
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /not found: instance i-0fffffffffffffff0 in eu-west-1/);
    assert.match(
      missing.stderr,
      /within about an hour after it ends: if an Auto Scaling group launched it, diagnose the group/,
    );
    const expired = await cli(
      ['readiness', '--profile', 'dev-expired', '--region', 'eu-west-1', '--instance-id', 'i-00de0000000000005'],
      f.env,
    );
    assert.equal(expired.code, 2, expired.stderr);
    assert.match(expired.stderr, /the credentials of profile "dev-expired" are expired/);
  });
});
