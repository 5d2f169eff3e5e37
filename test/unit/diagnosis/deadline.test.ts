import * as assert from 'node:assert/strict';
import { diagnoseInstance, isAbortError, type DiagnosisReport } from '../../../src/core/diagnosis';
import { DEFAULT_DEADLINE_MS } from '../../../src/core/diagnosis/engine';
import type { DiagnosisPorts } from '../../../src/core/diagnosis/ports';
import { INSTANCE_ID, NOW, REGION, baseWorld, fakePorts, type PortName } from './fakes';

const DEADLINE_MS = 150;

/** The demo world's ports, where the named ports never answer (and ignore every signal). */
function silentPorts(silent: PortName[]): DiagnosisPorts & { log: string[] } {
  const ports = fakePorts(baseWorld());
  const never = (): Promise<never> => new Promise<never>(() => undefined);
  const overrides = Object.fromEntries(
    silent.map((name) => [
      name,
      (...args: unknown[]) => (ports.log.push(`${name} (silent) ${String(args[0])}`), never()),
    ]),
  );
  return { ...ports, ...overrides };
}

async function diagnoseWithin(
  ports: DiagnosisPorts,
  signal?: AbortSignal,
): Promise<{ report: DiagnosisReport; elapsedMs: number }> {
  const started = Date.now();
  const report = await diagnoseInstance(
    { instanceId: INSTANCE_ID, profile: 'dev', region: REGION, deadlineMs: DEADLINE_MS },
    ports,
    { now: () => NOW, signal },
  );
  return { report, elapsedMs: Date.now() - started };
}

function step(report: DiagnosisReport, id: string) {
  const found = report.steps.find((s) => s.id === id);
  assert.ok(found, `step ${id}`);
  return found;
}

describe('the diagnosis deadline', () => {
  it('defaults to 60 seconds', () => {
    assert.equal(DEFAULT_DEADLINE_MS, 60_000);
  });

  it('ends a diagnosis whose every port never answers with a report that says the instance check timed out', async () => {
    const all: PortName[] = [
      'describeInstance',
      'describeVolumes',
      'getEbsDefaults',
      'describeKey',
      'getCallerIdentity',
      'lookupEvents',
      'getKeyPolicy',
      'simulatePrincipalPolicy',
    ];
    const { report, elapsedMs } = await diagnoseWithin(silentPorts(all));
    assert.ok(elapsedMs >= DEADLINE_MS - 5 && elapsedMs < DEADLINE_MS + 400, `elapsed ${elapsedMs} ms`);
    const instance = step(report, 'instance-state');
    assert.equal(instance.status, 'error');
    assert.equal(instance.failureKind, 'timeout');
    assert.deepEqual(instance.evidence, [
      {
        label: 'DescribeInstances',
        value: "timeout: No answer to ec2:DescribeInstances within the diagnosis's 0.2 s.",
      },
    ]);
    assert.match(instance.nextStep ?? '', /^Diagnose again/);
    assert.equal(report.verdict.code, 'unknown');
    assert.match(report.verdict.summary, /No answer to ec2:DescribeInstances within the diagnosis's 0\.2 s/);
    assert.deepEqual(
      report.steps.filter((s) => s.id !== 'instance-state').map((s) => s.status),
      ['skip', 'skip', 'skip', 'skip', 'skip'],
    );
  });

  it('names the checks that timed out in their steps and caveats, and keeps what the others found', async () => {
    const ports = silentPorts(['describeKey', 'getKeyPolicy']);
    const { report, elapsedMs } = await diagnoseWithin(ports);
    assert.ok(elapsedMs < DEADLINE_MS + 400, `elapsed ${elapsedMs} ms`);
    assert.equal(step(report, 'instance-state').status, 'fail');
    assert.equal(step(report, 'volumes').status, 'pass');
    assert.equal(step(report, 'principal').status, 'fail', 'CloudTrail answered before the deadline');
    const keys = step(report, 'kms-keys');
    assert.equal(keys.status, 'error');
    assert.match(
      keys.evidence[0].value,
      /^DescribeKey failed: timeout: No answer to kms:DescribeKey within the diagnosis's 0\.2 s\.$/,
    );
    assert.match(keys.nextStep ?? '', /^Diagnose again/);
    const policy = step(report, 'key-policy');
    assert.equal(policy.status, 'error');
    assert.ok(
      policy.evidence.some(
        (e) => e.value === "GetKeyPolicy failed: timeout: No answer to kms:GetKeyPolicy within the diagnosis's 0.2 s.",
      ),
    );
    assert.ok(
      report.verdict.caveats.some((c) => c.includes('Diagnose again')),
      report.verdict.caveats.join(' / '),
    );
    assert.notEqual(report.verdict.confidence, 'high');
  });

  it('starts no call after the deadline: later rounds report their checks as timed out', async () => {
    const ports = silentPorts(['lookupEvents']);
    const { report } = await diagnoseWithin(ports);
    const principal = step(report, 'principal');
    assert.equal(principal.status, 'error');
    assert.ok(
      principal.evidence.some(
        (e) =>
          e.label === 'CreateGrant events' &&
          e.value.startsWith('unavailable (timeout: No answer to cloudtrail:LookupEvents'),
      ),
    );
    const before = ports.log.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ports.log.length, before, 'nothing runs after the report');
    assert.ok(!ports.log.some((line) => line.startsWith('describeKey')), 'round 3 never started a call');
    assert.equal(report.calls.byAction['kms:DescribeKey'], undefined);
  });

  it('still rejects with an AbortError when the caller cancels before the deadline', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(diagnoseWithin(silentPorts(['describeInstance']), controller.signal), (error: unknown) =>
      isAbortError(error),
    );
  });

  it('hands the ports a signal that aborts at the deadline, so the AWS layer can end its requests', async () => {
    const ports = fakePorts(baseWorld());
    let seen: AbortSignal | undefined;
    const listening: DiagnosisPorts = {
      ...ports,
      describeInstance: (_id, options) => {
        seen = options?.signal;
        return new Promise<never>(() => undefined);
      },
    };
    await diagnoseWithin(listening);
    assert.ok(seen, 'a signal');
    assert.equal(seen.aborted, true);
  });
});
