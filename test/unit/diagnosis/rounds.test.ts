import * as assert from 'node:assert/strict';
import { diagnoseInstance, isAbortError, type StepEvent } from '../../../src/core/diagnosis';
import { instrumentPorts } from '../../../src/core/diagnosis/instrument';
import { DELEGATING_POLICY, INSTANCE_ID, KEY_ARN, NOW, REGION, baseWorld, fakePorts, key, startEvent } from './fakes';

const LATENCY_MS = 100;

/** Three volumes with three keys, so the fan-out of DescribeKey and GetKeyPolicy is visible. */
function threeKeyWorld(delayMs: number) {
  const arns = [KEY_ARN, KEY_ARN.replace(/key\/.*/, 'key/k2'), KEY_ARN.replace(/key\/.*/, 'key/k3')];
  const base = baseWorld();
  return baseWorld({
    delayMs,
    instance: {
      ...base.instance,
      blockDevices: arns.map((_, i) => ({ deviceName: `/dev/xvd${'abc'[i]}`, volumeId: `vol-${i + 1}` })),
    },
    volumes: arns.map((arn, i) => ({ id: `vol-${i + 1}`, encrypted: true, kmsKeyId: arn })),
    keys: arns.map((arn) => key({ arn, keyId: arn.split('/')[1] })),
    keyPolicies: Object.fromEntries(arns.map((arn) => [arn, DELEGATING_POLICY])),
  });
}

describe('diagnoseInstance calls and rounds', () => {
  it(`with ${LATENCY_MS} ms per call, takes at most 5 rounds and about that much time`, async () => {
    const ports = fakePorts(threeKeyWorld(LATENCY_MS));
    const started = Date.now();
    const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    const wall = Date.now() - started;
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.equal(report.calls.rounds, 3, 'keys, key policies and the simulation share a round');
    // 1 instance + volumes, defaults, identity, CreateGrant lookup + 3 keys + 3 policies + 1 simulation
    assert.equal(report.calls.count, 12);
    assert.equal(report.calls.byAction['kms:DescribeKey'], 3);
    assert.equal(
      report.calls.byAction['cloudtrail:LookupEvents'],
      1,
      'the denied grant names the caller: no StartInstances lookup',
    );
    // Sequential calls would take 1.4 s; five rounds take 0.5 s.
    assert.ok(wall < 5 * LATENCY_MS + 150, `wall time ${wall} ms`);
    assert.ok(report.calls.elapsedMs >= report.calls.rounds * LATENCY_MS - 10, `elapsed ${report.calls.elapsedMs} ms`);
    assert.ok(report.calls.elapsedMs <= wall + 5);
  });

  it('without a failed grant, looks up StartInstances too and still stays within 5 rounds', async () => {
    const world = threeKeyWorld(LATENCY_MS);
    world.events = [startEvent()];
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.calls.byAction['cloudtrail:LookupEvents'], 2);
    assert.equal(report.principal?.source, 'cloudtrail-start-instances');
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.equal(report.calls.rounds, 4);
  });

  it('keys named by id instead of ARN cost one more round, still within 5', async () => {
    const world = threeKeyWorld(20);
    world.volumes = world.volumes.map((v) => ({ ...v, kmsKeyId: v.kmsKeyId!.split('/')[1] }));
    const ports = fakePorts(world);
    const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(report.calls.rounds, 4);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.calls.byAction['kms:GetKeyPolicy'], 3);
  });

  it('counts a round per chain of dependent calls, and parallel calls once', async () => {
    const meter = instrumentPorts(fakePorts(baseWorld({ delayMs: 5 })));
    await meter.ports.describeInstance(INSTANCE_ID);
    await Promise.all([
      meter.ports.getCallerIdentity(),
      meter.ports.getEbsDefaults(),
      meter.ports.describeKey(KEY_ARN),
    ]);
    await meter.ports.getKeyPolicy(key());
    const stats = meter.stats(0);
    assert.equal(stats.count, 5);
    assert.equal(stats.rounds, 3);
  });
});

describe('diagnoseInstance cancellation and progress', () => {
  it('rejects with an AbortError when the signal aborts mid-way, and starts no call after that', async () => {
    const ports = fakePorts(baseWorld({ delayMs: 50 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 75);
    await assert.rejects(
      diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
        now: () => NOW,
        signal: controller.signal,
      }),
      (error: unknown) => isAbortError(error),
    );
    const callsAtAbort = ports.log.length;
    assert.ok(callsAtAbort >= 2 && callsAtAbort <= 6, `calls ${callsAtAbort}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(ports.log.length, callsAtAbort, 'no call starts after the abort');
  });

  it('stops promptly even when a port ignores the signal', async () => {
    const ports = fakePorts(baseWorld({ delayMs: 2000, ignoreSignal: true }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await assert.rejects(
      diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
        signal: controller.signal,
      }),
      (error: unknown) => isAbortError(error),
    );
    assert.ok(Date.now() - started < 500);
  });

  it('makes no call when the signal is already aborted', async () => {
    const ports = fakePorts(baseWorld());
    await assert.rejects(
      diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
        signal: AbortSignal.abort(),
      }),
      (error: unknown) => isAbortError(error),
    );
    assert.deepEqual(ports.log, []);
  });

  it('reports each step starting and finishing, and a throwing listener changes nothing', async () => {
    const events: StepEvent[] = [];
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(baseWorld()),
      {
        now: () => NOW,
        onStep: (event) => {
          events.push(event);
          throw new Error('listener bug');
        },
      },
    );
    const ids = report.steps.map((s) => s.id);
    for (const id of ids) {
      const started = events.findIndex((e) => e.id === id && e.phase === 'started');
      const finished = events.findIndex((e) => e.id === id && e.phase === 'finished');
      assert.ok(started >= 0 && finished > started, `step ${id}: started ${started}, finished ${finished}`);
    }
    const finishedSteps = events
      .filter((e): e is Extract<StepEvent, { phase: 'finished' }> => e.phase === 'finished')
      .map((e) => e.step);
    assert.deepEqual(
      [...finishedSteps].sort((a, b) => a.id.localeCompare(b.id)),
      [...report.steps].sort((a, b) => a.id.localeCompare(b.id)),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
  });
});
