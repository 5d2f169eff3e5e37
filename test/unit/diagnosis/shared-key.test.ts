import * as assert from 'node:assert/strict';
import { diagnoseInstance, type DiagnosisReport } from '../../../src/core/diagnosis';
import type { TrailEvent } from '../../../src/core/model';
import {
  ACCOUNT,
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  REGION,
  USER_ARN,
  baseWorld,
  deniedGrant,
  diagnose,
  fakePorts,
  startEvent,
} from './fakes';

const INTERN_ARN = `arn:aws:iam::${ACCOUNT}:user/intern`;
const OTHER_INSTANCE = 'i-0fedcba9876543210';

/** The intern starting another instance whose volume uses the same key, after dev's start. */
function internDenied(overrides: Partial<TrailEvent> = {}): TrailEvent {
  return deniedGrant({
    eventId: 'intern-denied',
    eventTime: '2024-05-01T10:00:30Z',
    userArn: INTERN_ARN,
    errorMessage: `User: ${INTERN_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} with an explicit deny in an identity-based policy`,
    granteePrincipal: `${ACCOUNT}:aws:ec2-infrastructure:${OTHER_INSTANCE}`,
    ...overrides,
  });
}

function principalStep(report: DiagnosisReport) {
  const step = report.steps.find((s) => s.id === 'principal');
  assert.ok(step);
  return step;
}

describe('a key shared by several instances', () => {
  it('does not blame an intern denied later on another instance: dev, denied for this one, is tested', async () => {
    const report = await diagnose(
      baseWorld({ events: [startEvent(), deniedGrant({ eventTime: '2024-05-01T10:00:02Z' }), internDenied()] }),
    );
    assert.equal(report.principal?.arn, USER_ARN);
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
    // The intern's explicit Deny in its own IAM policies says nothing about dev.
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.principalArn, USER_ARN);
    assert.doesNotMatch(report.verdict.summary, /intern/);
    assert.match(principalStep(report).summary, new RegExp(`denied CreateGrant to ${USER_ARN}`));
  });

  it('does not blame the intern when only StartInstances names who started this instance', async () => {
    const report = await diagnose(baseWorld({ events: [startEvent(), internDenied()] }));
    assert.equal(report.principal?.arn, USER_ARN);
    assert.equal(report.principal?.source, 'cloudtrail-start-instances');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.principalArn, USER_ARN);
    assert.doesNotMatch(report.verdict.summary, /intern/);
    const step = principalStep(report);
    assert.equal(step.status, 'pass');
    assert.equal(
      step.summary,
      `Started by ${USER_ARN}; CloudTrail shows CreateGrant on its keys denied only to other callers (${INTERN_ARN}), not to it.`,
    );
  });

  it('takes a denial naming no instance only from the caller StartInstances names', async () => {
    const unnamed = internDenied({ granteePrincipal: undefined });
    const report = await diagnose(baseWorld({ events: [startEvent(), unnamed] }));
    assert.equal(report.principal?.arn, USER_ARN);
    assert.equal(report.verdict.principalArn, USER_ARN);
    // Without any event naming the instance, such a denial is all CloudTrail has.
    const alone = await diagnose(baseWorld({ events: [unnamed] }));
    assert.equal(alone.principal?.arn, INTERN_ARN);
  });

  it('tells an 8-digit instance id from a 17-digit one that starts with it', async () => {
    const world = baseWorld({
      events: [startEvent(), internDenied({ granteePrincipal: `${ACCOUNT}:aws:ec2-infrastructure:${INSTANCE_ID}` })],
    });
    world.instance = { ...world.instance, id: INSTANCE_ID.slice(0, 10) };
    world.events = world.events.map((e) =>
      e.eventName === 'StartInstances' ? { ...e, instanceIds: [world.instance.id] } : e,
    );
    const report = await diagnoseInstance(
      { instanceId: world.instance.id, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.principal?.arn, USER_ARN);
  });
});

describe('the CloudTrail lookup', () => {
  it("finds this instance's failed grant behind more than a page of other instances' grants on the same key", async () => {
    const others = Array.from({ length: 60 }, (_, i) =>
      internDenied({
        eventId: `intern-${i}`,
        eventTime: new Date(Date.parse('2024-05-01T10:00:10Z') + i * 1000).toISOString(),
      }),
    );
    const ports = fakePorts(baseWorld({ events: [deniedGrant({ eventTime: '2024-05-01T10:00:02Z' }), ...others] }));
    const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(report.principal?.arn, USER_ARN);
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
    assert.equal(
      report.calls.byAction['cloudtrail:LookupEvents'],
      1,
      'the failed grant names the caller: no StartInstances lookup',
    );
    assert.equal(report.verdict.confidence, 'high');
  });

  it("lets the AWS layer stop paging at this instance's failed grant (or its start), not at others'", async () => {
    const ports = fakePorts(baseWorld({ events: [startEvent(), internDenied()] }));
    await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, { now: () => NOW });
    const [grants, starts] = ports.lookupQueries;
    assert.equal(grants.eventName, 'CreateGrant');
    assert.ok((grants.maxResults ?? 0) > 50, `maxResults ${grants.maxResults}`);
    assert.ok(grants.stopWhen);
    assert.equal(grants.stopWhen(deniedGrant()), true);
    assert.equal(grants.stopWhen(internDenied()), false);
    assert.equal(
      grants.stopWhen(deniedGrant({ errorCode: undefined, errorMessage: undefined })),
      false,
      'a successful grant is not the failure sought',
    );
    assert.equal(starts.eventName, 'StartInstances');
    assert.ok(starts.stopWhen);
    assert.equal(starts.stopWhen(startEvent()), true);
    assert.equal(starts.stopWhen(startEvent({ instanceIds: [OTHER_INSTANCE] })), false);
    assert.deepEqual(starts.resourceNames, [INSTANCE_ID], 'the start is looked up by the instance first');
    assert.equal(grants.resourceNames, undefined, 'the keys are not known yet: no extra round for them');
  });
});
