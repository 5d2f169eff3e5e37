/**
 * `ec2-launch-doctor diagnose` (the built dist/cli.js) against the emulator's demo scenario:
 * every instance yields its expected verdict in the CLI's JSON output, through the real SDK
 * and an AWS config whose profiles point at the emulator.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, writeAwsConfig, type Emulator } from '../emulator';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

/** Expected verdict per demo instance. The profile is the one of the instance's account. */
const EXPECTED: Record<string, string> = {
  'i-00de0000000000001': 'not-stopped',
  'i-00de0000000000002': 'not-stopped',
  'i-00de0000000000003': 'not-stopped',
  'i-00de0000000000004': 'kms-create-grant-not-allowed',
  'i-00de0000000000005': 'kms-key-disabled',
  'i-00de0000000000006': 'kms-key-pending-deletion',
  'i-00de0000000000007': 'kms-create-grant-explicit-deny',
  'i-00de0000000000008': 'kms-create-grant-not-allowed',
  'i-00de0000000000009': 'user-initiated-stop',
  'i-00de0000000000010': 'volume-limit-exceeded',
  'i-00de0000000000011': 'insufficient-capacity',
  'i-00de0000000000012': 'not-stopped',
  'i-00de0000000000013': 'user-initiated-stop',
  'i-00de0000000000014': 'not-stopped',
  'i-00de0000000000015': 'user-initiated-stop',
  'i-00de0000000000016': 'not-stopped',
  'i-00de0000000000017': 'not-stopped',
  'i-00de0000000000018': 'not-stopped',
  'i-00de0000000000019': 'not-stopped',
};
const PROFILE_OF_ACCOUNT: Record<string, string> = { '111111111111': 'dev-admin', '222222222222': 'sec-admin' };

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

describe('CLI diagnose against the demo scenario', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    assert.ok(existsSync(CLI), 'dist/cli.js is missing: run npm run build');
    emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-cli-'));
    const files = writeAwsConfig(dir, emulator, emulator.scenario);
    env = { AWS_CONFIG_FILE: files.configFile, AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile, HOME: dir };
  });

  after(async () => {
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers every instance of the scenario', () => {
    assert.deepEqual(emulator.scenario.instances.map((i) => i.id).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [instanceId, verdict] of Object.entries(EXPECTED)) {
    it(`${instanceId} -> ${verdict}`, async () => {
      const instance = emulator.scenario.instances.find((i) => i.id === instanceId)!;
      const run = await cli(
        [
          'diagnose',
          '--instance',
          instanceId,
          '--profile',
          PROFILE_OF_ACCOUNT[instance.account],
          '--region',
          instance.region,
          '--format',
          'json',
        ],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const json = JSON.parse(run.stdout);
      assert.equal(json.verdict.code, verdict, `${json.verdict.code}: ${json.verdict.summary ?? ''}`);
      assert.ok(['high', 'medium', 'low'].includes(json.verdict.confidence));
      assert.ok(Array.isArray(json.steps) && json.steps.length > 0);
      for (const step of json.steps)
        assert.ok(step.name && step.status && Array.isArray(step.evidence), JSON.stringify(step));
      if (verdict === 'kms-create-grant-not-allowed') {
        const fixes = Array.isArray(json.fix) ? json.fix : [json.fix];
        assert.ok(
          fixes.some(
            (f: any) => f?.target === 'key-policy' && /kms:GrantIsForAWSResource/.test(JSON.stringify(f.statement)),
          ),
          JSON.stringify(json.fix),
        );
      }
    });
  }

  it('exits 2 with a message on usage errors', async () => {
    const run = await cli(['diagnose', '--profile', 'dev-admin'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--instance is required/);
    assert.equal(run.stdout, '');
  });

  it('exits 2 on unknown input: a positional argument, an unknown option, an option without its value', async () => {
    const cases: [string[], RegExp][] = [
      [['diagnose', '--instance', 'i-00de0000000000004', 'extra'], /unexpected argument extra/],
      [['diagnose', '--instance', 'i-00de0000000000004', '--verbose'], /unknown option --verbose/],
      [['diagnose', '--instance', 'i-00de0000000000004', '--profile'], /--profile needs a value/],
      [
        ['diagnose', '--instance', 'i-00de0000000000004', '--format', 'xml'],
        /--format must be one of text, json, markdown/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, env);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: ec2-launch-doctor diagnose/);
      assert.equal(run.stdout, '');
    }
  });

  it('prints its help with the exit codes on --help, and exits 0 without calling AWS', async () => {
    emulator.resetCalls();
    const run = await cli(['diagnose', '--help'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /usage: ec2-launch-doctor diagnose --instance ID/);
    assert.match(run.stdout, /exit codes:/);
    assert.equal(emulator.callCount(), 0);
  });

  it('exits 2 with "not found" for an instance that does not exist', async () => {
    const run = await cli(
      ['diagnose', '--instance', 'i-0fffffffffffffff0', '--profile', 'dev-admin', '--region', 'eu-west-1'],
      env,
    );
    assert.equal(run.code, 2, run.stderr);
    // Not anchored to a line start: the SDK's Node version warning shares stderr and may be interleaved.
    assert.match(run.stderr, /not found: Could not read instance i-0fffffffffffffff0 in eu-west-1\./);
  });

  it('without --profile and no default profile, names the profiles that exist', async () => {
    const run = await cli(['diagnose', '--instance', 'i-00de0000000000004', '--region', 'eu-west-1'], env);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /no profile named "default" in the AWS config files; the profiles are: dev-admin, .*dev-operator, .*\(pass --profile NAME\)/,
    );
  });

  it('exits 2 when the profile signs in with expired credentials', async () => {
    const run = await cli(
      [
        'diagnose',
        '--instance',
        'i-00de0000000000004',
        '--profile',
        'dev-expired',
        '--region',
        'eu-west-1',
        '--format',
        'json',
      ],
      env,
    );
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /expired/);
  });

  describe('without a verdict: exit 3, with the report and the reason', () => {
    afterEach(() => emulator.setFaults([]));

    const diagnose = (extra: string[] = []) =>
      cli(
        [
          'diagnose',
          '--instance',
          'i-00de0000000000004',
          '--profile',
          'dev-admin',
          '--region',
          'eu-west-1',
          '--format',
          'json',
          ...extra,
        ],
        env,
      );

    it('exits 3 when AWS never answers, within the --timeout of each call', async () => {
      emulator.setFaults([{ principal: 'dev-admin', response: 'black-hole' }]);
      const started = Date.now();
      const run = await diagnose(['--timeout', '1']);
      assert.equal(run.code, 3, run.stderr);
      assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
      assert.equal(JSON.parse(run.stdout).verdict.code, 'unknown');
      assert.match(run.stderr, /no verdict: AWS could not be reached \(timeout\)/);
    });

    it('exits 3 when every call is throttled', async () => {
      emulator.setFaults([{ principal: 'dev-admin', throttleRate: 1 }]);
      const run = await diagnose(['--timeout', '2']);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /no verdict: AWS could not be reached \((throttled|timeout)\)/);
    });

    it('exits 3 when the connection to AWS drops', async () => {
      emulator.setFaults([{ principal: 'dev-admin', dropRate: 1 }]);
      const run = await diagnose(['--timeout', '2']);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /no verdict: AWS could not be reached \(network\)/);
    });

    it('exits 3 when the checks after the instance cannot run, and names what is missing', async () => {
      // The instance reads; every later call is refused.
      emulator.setFaults([{ principal: 'dev-admin', error: 'AccessDenied', skip: 1 }]);
      const run = await diagnose(['--timeout', '2']);
      assert.equal(run.code, 3, run.stderr);
      assert.equal(JSON.parse(run.stdout).verdict.code, 'unknown');
      assert.match(run.stderr, /^no verdict: /m);
    });

    it('still exits 0 with a verdict once AWS answers', async () => {
      const run = await diagnose(['--timeout', '5']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).verdict.code, 'kms-create-grant-not-allowed');
    });

    it('exits 2 on a --timeout that is not a number of seconds', async () => {
      for (const bad of ['0', 'soon', '1e3', '99999']) {
        const run = await diagnose(['--timeout', bad]);
        assert.equal(run.code, 2, bad);
        assert.match(run.stderr, /--timeout expects seconds/);
      }
    });
  });

  it('keeps stdout pure JSON even when the SDK warns on stderr', async () => {
    const run = await cli(
      [
        'diagnose',
        '--instance',
        'i-00de0000000000009',
        '--profile',
        'dev-admin',
        '--region',
        'eu-west-1',
        '--format',
        'json',
      ],
      env,
    );
    assert.doesNotThrow(() => JSON.parse(run.stdout));
  });
});
