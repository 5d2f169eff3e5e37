/**
 * Every AWS call ends: the AWS layer and the diagnosis against an emulator that never
 * answers, answers a few bytes a second, cuts its answer short, garbles it, or lets the
 * credentials expire halfway. Each ends within its deadline with a classified failure, the
 * regions of a listing resolve independently, and the shared limiter recovers afterwards.
 * Deadlines are short (about a second) to keep the suite fast.
 */
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AwsSession,
  createDiagnosisPorts,
  describeInstancesById,
  describeKey,
  listInstances,
  listRegions,
  putKeyPolicy,
  type AwsSessionOptions,
} from '../../src/aws';
import { diagnoseInstance } from '../../src/core/diagnosis';
import type { AwsErrorKind, Outcome } from '../../src/core/model';
import {
  loadScenario,
  startEmulator,
  writeAwsConfig,
  type AwsConfigFiles,
  type Emulator,
  type FaultRule,
} from '../emulator';

const ISOLATED_ENV = [
  'HOME',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

const REGION = 'eu-west-1';
const GRANT_STOPPED = 'i-00de0000000000004';
const GRANT_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0001-4abc-8def-000000000001';
/** The deadline of one call in these tests, and the slack allowed on top of it. */
const CALL_TIMEOUT_MS = 1000;
const SLACK_MS = 1000;
/** A profile with dev-operator's key id and session token but a wrong secret key. */
const WRONG_SECRET = 'wrong-secret';
const WRONG_SECRET_KEY = 'not-the-secret-of-dev-operator-0000000000';

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

function failureKind(outcome: Outcome<unknown>): AwsErrorKind | 'ok' {
  return outcome.ok ? 'ok' : outcome.error.kind;
}

/** Runs `work`, returning its result and how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

describe('AWS layer against a faulty endpoint: every call ends', function () {
  this.timeout(30_000);
  const savedEnv = new Map(ISOLATED_ENV.map((name) => [name, process.env[name]]));
  let home: string;
  let emulator: Emulator;
  let files: AwsConfigFiles;
  const sessions: AwsSession[] = [];

  /** A session with short deadlines; `requestTimeoutMs` above the call deadline lets the deadline act. */
  function session(options: AwsSessionOptions = {}): AwsSession {
    const created = new AwsSession({
      configFile: files.configFile,
      credentialsFile: files.credentialsFile,
      maxAttempts: 2,
      requestTimeoutMs: 5000,
      connectionTimeoutMs: 1000,
      callTimeoutMs: CALL_TIMEOUT_MS,
      ...options,
    });
    sessions.push(created);
    return created;
  }

  function faults(...rules: FaultRule[]): void {
    emulator.setFaults(rules);
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-faults-'));
    ISOLATED_ENV.forEach((name) => delete process.env[name]);
    process.env.HOME = home;
    emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 0 });
    files = writeAwsConfig(join(home, 'aws'), emulator, loadScenario('demo'));
    const operator = loadScenario('demo').principals.find((p) => p.name === 'dev-operator')!;
    appendFileSync(
      files.configFile,
      `\n[profile ${WRONG_SECRET}]\nregion = ${REGION}\nendpoint_url = ${emulator.url}\n`,
    );
    appendFileSync(
      files.credentialsFile,
      `\n[${WRONG_SECRET}]\naws_access_key_id = ${operator.accessKeyId}\naws_secret_access_key = ${WRONG_SECRET_KEY}\naws_session_token = ${operator.sessionToken}\n`,
    );
  });

  beforeEach(() => emulator.reset());

  afterEach(() => {
    sessions.splice(0).forEach((s) => s.dispose());
  });

  after(async () => {
    await emulator?.close();
    for (const [name, saved] of savedEnv) {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('black hole: a silent region ends as a timeout at its deadline while the other regions list at once', async () => {
    faults({ service: 'ec2', region: 'us-east-1', action: 'DescribeInstances', response: 'black-hole' });
    const aws = session();
    const settled: string[] = [];
    const list = (region: string) =>
      timed(() => listInstances(aws, 'dev-admin', region)).then((run) => {
        settled.push(region);
        return run;
      });
    const [silent, west, central] = await Promise.all([list('us-east-1'), list(REGION), list('eu-central-1')]);
    assert.equal(failureKind(silent.result), 'timeout', JSON.stringify(silent.result));
    assert.ok(
      !silent.result.ok && /did not answer ec2:DescribeInstances in us-east-1/.test(silent.result.error.message),
    );
    assert.ok(!silent.result.ok && silent.result.error.nextStep.length > 0);
    assert.ok(silent.ms >= CALL_TIMEOUT_MS - 50 && silent.ms < CALL_TIMEOUT_MS + SLACK_MS, `${silent.ms} ms`);
    assert.equal(value(west.result).length, 13);
    assert.equal(value(central.result).length, 1);
    assert.ok(
      west.ms < CALL_TIMEOUT_MS && central.ms < CALL_TIMEOUT_MS,
      'the answering regions did not wait for the silent one',
    );
    assert.equal(settled[settled.length - 1], 'us-east-1', 'each region resolved on its own');
  });

  it('black hole: stalled calls free their limiter slots at the deadline, and later calls succeed', async () => {
    faults({ service: 'ec2', region: 'us-east-1', action: 'DescribeInstances', response: 'black-hole', times: 2 });
    const aws = session({ maxConcurrentRequests: 2 });
    const { result, ms } = await timed(() =>
      Promise.all([
        listInstances(aws, 'dev-admin', 'us-east-1'),
        listInstances(aws, 'dev-admin', 'us-east-1'),
        // Queued behind the two stalled calls: it starts when their deadlines free the slots.
        listInstances(aws, 'dev-admin', REGION),
      ]),
    );
    assert.deepEqual(result.map(failureKind), ['timeout', 'timeout', 'ok']);
    assert.ok(ms < 2 * CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
    assert.equal(value(await listInstances(aws, 'dev-admin', 'us-east-1')).length, 2, 'the region answers again');
  });

  it('black hole: the region list of a profile and the poll of pending instances end as timeouts too', async () => {
    faults(
      { service: 'ec2', action: 'DescribeRegions', response: 'black-hole' },
      { service: 'ec2', action: 'DescribeInstances', response: 'black-hole' },
    );
    const aws = session();
    const { result, ms } = await timed(() =>
      Promise.all([listRegions(aws, 'dev-admin'), describeInstancesById(aws, 'dev-admin', REGION, [GRANT_STOPPED])]),
    );
    assert.deepEqual(result.map(failureKind), ['timeout', 'timeout']);
    assert.ok(ms < CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
  });

  it('black hole: a key policy save ends as a timeout instead of staying pending', async () => {
    faults({ service: 'kms', action: 'PutKeyPolicy', response: 'black-hole' });
    const aws = session();
    const { result, ms } = await timed(() =>
      putKeyPolicy(aws, 'dev-admin', REGION, GRANT_KEY, '{"Version":"2012-10-17","Statement":[]}'),
    );
    assert.equal(failureKind(result), 'timeout');
    assert.ok(!result.ok && result.error.action === 'kms:PutKeyPolicy');
    assert.ok(ms < CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
  });

  it('per-attempt request timeouts end a silent endpoint before the call deadline, after retrying', async () => {
    faults({ service: 'ec2', region: 'us-east-1', action: 'DescribeInstances', response: 'black-hole' });
    const aws = session({ requestTimeoutMs: 300, callTimeoutMs: 10_000 });
    const { result, ms } = await timed(() => listInstances(aws, 'dev-admin', 'us-east-1'));
    assert.equal(failureKind(result), 'timeout', JSON.stringify(result));
    assert.equal(
      emulator.callCount({ action: 'DescribeInstances', region: 'us-east-1' }),
      2,
      'both attempts were sent',
    );
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('trickle: an answer that comes a few bytes a second ends at the call deadline', async () => {
    faults({
      service: 'ec2',
      region: REGION,
      action: 'DescribeInstances',
      response: 'trickle',
      trickleBytesPerSecond: 8,
    });
    // The socket never goes quiet for 400 ms, so only the call deadline can end it.
    const aws = session({ requestTimeoutMs: 400 });
    const { result, ms } = await timed(() => listInstances(aws, 'dev-admin', REGION));
    assert.equal(failureKind(result), 'timeout', JSON.stringify(result));
    assert.ok(ms < CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
    faults();
    assert.equal(value(await listInstances(aws, 'dev-admin', REGION)).length, 13);
  });

  it('truncated body: an answer cut short is a classified failure, at once', async () => {
    faults({ service: 'ec2', region: REGION, action: 'DescribeInstances', response: 'truncated' });
    const { result, ms } = await timed(() => listInstances(session(), 'dev-admin', REGION));
    assert.ok(!result.ok);
    assert.equal(result.error.kind, 'network', JSON.stringify(result.error));
    assert.equal(result.error.action, 'ec2:DescribeInstances');
    assert.ok(ms < CALL_TIMEOUT_MS, `${ms} ms`);
  });

  it('malformed body: an answer that does not parse is a classified failure, for XML and JSON services', async () => {
    faults(
      { service: 'ec2', action: 'DescribeInstances', response: 'malformed' },
      { service: 'kms', action: 'DescribeKey', response: 'malformed' },
    );
    const aws = session();
    const ec2 = await timed(() => listInstances(aws, 'dev-admin', REGION));
    const kms = await timed(() => describeKey(aws, 'dev-admin', REGION, GRANT_KEY));
    for (const { result, ms } of [ec2, kms]) {
      assert.ok(!result.ok);
      assert.equal(result.error.kind, 'network', JSON.stringify(result.error));
      assert.match(
        result.error.message,
        /^The answer to (ec2:DescribeInstances|kms:DescribeKey) in eu-west-1 could not be read: /,
      );
      assert.doesNotMatch(result.error.message, /hidden field/);
      assert.match(result.error.nextStep, /proxy or the endpoint_url of the profile/);
      assert.ok(ms < CALL_TIMEOUT_MS, `${ms} ms`);
    }
  });

  it('credentials that expire halfway: the diagnosis ends with expired credentials and a next step', async () => {
    // The first three calls of the profile answer; every later one says the token expired.
    faults({ principal: 'dev-admin', error: 'ExpiredToken', skip: 3 });
    const aws = session();
    const { result: report, ms } = await timed(() =>
      diagnoseInstance(
        { instanceId: GRANT_STOPPED, profile: 'dev-admin', region: REGION },
        createDiagnosisPorts(aws, 'dev-admin', REGION),
      ),
    );
    assert.equal(report.verdict.code, 'unknown');
    const failed = report.steps.filter((step) => step.status === 'error');
    assert.ok(failed.length > 0, JSON.stringify(report.steps.map((s) => [s.id, s.status])));
    for (const step of failed) {
      assert.match(JSON.stringify(step.evidence), /expired-credentials/, step.id);
      assert.match(step.nextStep ?? '', /Refresh the temporary credentials of profile dev-admin/, step.id);
    }
    assert.ok(ms < CALL_TIMEOUT_MS, `${ms} ms`);
  });

  it('a diagnosis against an endpoint that never answers ends, and the same session diagnoses once it answers', async () => {
    faults({ principal: 'dev-admin', response: 'black-hole' });
    const aws = session();
    const { result: silent, ms } = await timed(() =>
      diagnoseInstance(
        { instanceId: GRANT_STOPPED, profile: 'dev-admin', region: REGION },
        createDiagnosisPorts(aws, 'dev-admin', REGION),
      ),
    );
    assert.equal(silent.verdict.code, 'unknown');
    const instanceStep = silent.steps.find((step) => step.id === 'instance-state');
    assert.equal(instanceStep?.failureKind, 'timeout', JSON.stringify(silent.steps));
    // A handful of rounds, each bounded by one call deadline.
    assert.ok(ms < 4 * CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
    faults();
    const answered = await diagnoseInstance(
      { instanceId: GRANT_STOPPED, profile: 'dev-admin', region: REGION },
      createDiagnosisPorts(aws, 'dev-admin', REGION),
    );
    assert.equal(answered.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('a diagnosis whose later checks never answer ends after a few deadlines, naming the checks that could not run', async () => {
    // DescribeInstances answers; every later call of the profile goes unanswered.
    faults({ principal: 'dev-admin', response: 'black-hole', skip: 1 });
    const aws = session();
    const { result: report, ms } = await timed(() =>
      diagnoseInstance(
        { instanceId: GRANT_STOPPED, profile: 'dev-admin', region: REGION },
        createDiagnosisPorts(aws, 'dev-admin', REGION),
      ),
    );
    assert.equal(report.steps.find((step) => step.id === 'instance-state')?.status, 'fail', 'the instance was read');
    assert.ok(
      report.steps.some((step) => step.status === 'error'),
      JSON.stringify(report.steps.map((s) => [s.id, s.status])),
    );
    assert.match(JSON.stringify(report.steps), /timeout/);
    // One deadline per round of calls that depend on each other, at most.
    assert.ok(ms < 6 * CALL_TIMEOUT_MS + SLACK_MS, `${ms} ms`);
  });

  it("keeps the session's token and the signature out of a signature-mismatch failure", async () => {
    const operator = loadScenario('demo').principals.find((p) => p.name === 'dev-operator')!;
    const outcome = await describeKey(session(), WRONG_SECRET, REGION, GRANT_KEY);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'no-credentials');
    assert.equal(outcome.error.code, 'InvalidSignatureException');
    assert.match(outcome.error.nextStep, /secret access key of profile wrong-secret belongs to its access key id/);
    assert.match(
      outcome.error.message,
      /x-amz-security-token:\[redacted\]/,
      'the canonical request AWS quotes is kept, without the token',
    );
    const text = JSON.stringify(outcome.error);
    for (const secret of [operator.sessionToken!, operator.accessKeyId, WRONG_SECRET_KEY])
      assert.ok(!text.includes(secret), text);
  });
});
