import * as assert from 'node:assert/strict';
import { keyToken } from '../../../src/core/arn';
import { isPrincipalUnderTest, principalFromArn, rolePathCaveat } from '../../../src/core/diagnosis/principal';
import {
  denialKind,
  eventInstance,
  failedGrantEvents,
  isAccessDenied,
  refersToKey,
  resourceFromDenialMessage,
  startEventsFor,
  timeFromTransitionReason,
  trailWindow,
  userFromDenialMessage,
} from '../../../src/core/diagnosis/trail';
import { ACCOUNT, INSTANCE_ID, KEY_ARN, KEY_ID, USER_ARN, deniedGrant, startEvent } from './fakes';

describe('CloudTrail evidence', () => {
  it('classifies KMS denial messages', () => {
    const base = `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN}`;
    assert.equal(denialKind(`${base} with an explicit deny in a resource-based policy`), 'explicit-deny-key-policy');
    assert.equal(
      denialKind(`${base} with an explicit deny in an identity-based policy`),
      'explicit-deny-identity-policy',
    );
    assert.equal(denialKind(`${base} with an explicit deny in a service control policy`), 'explicit-deny-scp');
    assert.equal(
      denialKind(`${base} because no resource-based policy allows the kms:CreateGrant action`),
      'no-key-policy-allow',
    );
    assert.equal(
      denialKind(`${base} because no identity-based policy allows the kms:CreateGrant action`),
      'no-identity-policy-allow',
    );
    assert.equal(denialKind(base), 'not-authorized');
    assert.equal(denialKind(undefined), 'not-authorized');
    assert.equal(userFromDenialMessage(base), USER_ARN);
    assert.equal(resourceFromDenialMessage(`${base}.`), KEY_ARN);
  });

  it('matches a key by id or ARN, case-insensitively, and by alias', () => {
    const key = { keyId: KEY_ID, arn: KEY_ARN, aliases: ['alias/ebs-prod'] };
    assert.ok(refersToKey(KEY_ID, key));
    assert.ok(refersToKey(KEY_ARN.toUpperCase().replace('ARN:AWS:KMS', 'arn:aws:kms'), key));
    assert.ok(refersToKey('alias/ebs-prod', key));
    assert.ok(refersToKey(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/ebs-prod`, key));
    assert.ok(!refersToKey('0000', key));
    assert.equal(keyToken(KEY_ARN), KEY_ID);
  });

  it('keeps only failed CreateGrant events for this instance or its keys, newest first, and tells the denials apart', () => {
    const events = [
      deniedGrant({ eventId: 'by-id', keyId: KEY_ID, granteePrincipal: undefined, eventTime: '2024-05-01T10:00:01Z' }),
      deniedGrant({
        eventId: 'other-key',
        keyId: 'arn:aws:kms:eu-west-1:111122223333:key/other',
        granteePrincipal: 'x:aws:ec2-infrastructure:i-other',
      }),
      deniedGrant({
        eventId: 'by-grantee',
        keyId: undefined,
        errorMessage: 'denied',
        eventTime: '2024-05-01T10:00:09Z',
      }),
      deniedGrant({ eventId: 'succeeded', errorCode: undefined, errorMessage: undefined }),
    ];
    const failed = failedGrantEvents(events, INSTANCE_ID, [KEY_ARN]);
    assert.deepEqual(
      failed.map((e) => e.eventId),
      ['by-grantee', 'by-id'],
    );
    assert.deepEqual(
      failed.filter(isAccessDenied).map((e) => e.eventId),
      ['by-grantee', 'by-id'],
    );
  });

  it('tells which instance an event is about, by whole instance ids', () => {
    assert.equal(eventInstance(deniedGrant(), INSTANCE_ID), 'this');
    assert.equal(
      eventInstance(
        deniedGrant({ granteePrincipal: `${ACCOUNT}:aws:ec2-infrastructure:i-0fedcba9876543210` }),
        INSTANCE_ID,
      ),
      'other',
    );
    assert.equal(eventInstance(deniedGrant({ granteePrincipal: undefined }), INSTANCE_ID), 'unknown');
    assert.equal(
      eventInstance(deniedGrant(), INSTANCE_ID.slice(0, 10)),
      'other',
      'an 8-digit id is not the 17-digit id it prefixes',
    );
    assert.equal(eventInstance(startEvent(), INSTANCE_ID), 'this');
  });

  it('keeps only successful StartInstances naming the instance', () => {
    const events = [
      startEvent(),
      startEvent({ eventId: 'other', instanceIds: ['i-other'] }),
      startEvent({ eventId: 'failed', errorCode: 'UnauthorizedOperation' }),
    ];
    assert.deepEqual(
      startEventsFor(events, INSTANCE_ID).map((e) => e.eventId),
      ['ev-start-1'],
    );
  });

  it('reads the stop time from the state transition reason', () => {
    assert.equal(
      timeFromTransitionReason('User initiated (2024-05-01 10:00:05 GMT)')?.toISOString(),
      '2024-05-01T10:00:05.000Z',
    );
    assert.equal(timeFromTransitionReason('Client.InternalError'), undefined);
    assert.equal(timeFromTransitionReason(undefined), undefined);
  });

  it('centres the CloudTrail window on the stop, never past now', () => {
    const now = new Date('2024-05-01T10:30:00Z');
    const window = trailWindow(new Date('2024-05-01T10:00:00Z'), undefined, now);
    assert.equal(window.startTime.toISOString(), '2024-05-01T09:00:00.000Z');
    assert.equal(window.endTime.toISOString(), now.toISOString());
  });

  it('without a stop time, looks an hour either side of the last launch (never past now), within the 90-day retention', () => {
    const now = new Date('2024-05-01T10:30:00Z');
    const byLaunch = trailWindow(undefined, '2024-04-30T08:00:00Z', now);
    assert.equal(byLaunch.startTime.toISOString(), '2024-04-30T07:00:00.000Z');
    assert.equal(
      byLaunch.endTime.toISOString(),
      '2024-04-30T09:00:00.000Z',
      'a diagnosis a day later does not read the day of grants since',
    );
    const justLaunched = trailWindow(undefined, '2024-05-01T10:20:00Z', now);
    assert.equal(justLaunched.endTime.toISOString(), now.toISOString());
    const oldLaunch = trailWindow(undefined, '2023-01-01T00:00:00Z', now);
    assert.equal(now.getTime() - oldLaunch.startTime.getTime(), 90 * 24 * 3600 * 1000);
    const nothing = trailWindow(undefined, undefined, now);
    assert.equal(now.getTime() - nothing.startTime.getTime(), 90 * 24 * 3600 * 1000);
  });

  it('keeps key-state failures of CreateGrant as failed grants, not as denials', () => {
    const disabled = deniedGrant({
      eventId: 'disabled',
      errorCode: 'DisabledException',
      errorMessage: `${KEY_ARN} is disabled.`,
    });
    assert.deepEqual(
      failedGrantEvents([disabled], INSTANCE_ID, [KEY_ARN]).map((e) => e.eventId),
      ['disabled'],
    );
    assert.deepEqual(failedGrantEvents([disabled], INSTANCE_ID, [KEY_ARN]).filter(isAccessDenied), []);
  });
});

describe('principal under test', () => {
  it('maps an assumed-role session to its role and flags the unknown path', () => {
    const p = principalFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`, 'cloudtrail-create-grant');
    assert.equal(p.kind, 'assumed-role');
    assert.equal(p.policyArn, `arn:aws:iam::${ACCOUNT}:role/Deployer`);
    assert.equal(p.policyArnCertain, false);
    assert.match(rolePathCaveat(p) ?? '', /path/);
  });

  it('uses the session issuer when it names the same role', () => {
    const issuer = `arn:aws:iam::${ACCOUNT}:role/team/Deployer`;
    const p = principalFromArn(
      `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`,
      'cloudtrail-create-grant',
      issuer,
    );
    assert.equal(p.policyArn, issuer);
    assert.equal(p.policyArnCertain, true);
    const mismatched = principalFromArn(
      `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`,
      'cloudtrail-create-grant',
      `arn:aws:iam::${ACCOUNT}:role/Other`,
    );
    assert.equal(mismatched.policyArn, `arn:aws:iam::${ACCOUNT}:role/Deployer`);
  });

  it('takes the session issuer only when it is the same role in the same account', () => {
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`;
    const elsewhere = principalFromArn(
      session,
      'cloudtrail-create-grant',
      'arn:aws:iam::444455556666:role/team/Deployer',
    );
    assert.equal(elsewhere.policyArn, `arn:aws:iam::${ACCOUNT}:role/Deployer`);
    assert.equal(elsewhere.policyArnCertain, false);
  });

  it('another session of the same role is the same principal under test; another user is not', () => {
    const p = principalFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`, 'cloudtrail-start-instances');
    assert.ok(isPrincipalUnderTest(`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/bob`, p));
    assert.ok(!isPrincipalUnderTest(`arn:aws:sts::${ACCOUNT}:assumed-role/Other/alice`, p));
    assert.ok(isPrincipalUnderTest(USER_ARN, principalFromArn(USER_ARN, 'caller-identity')));
    assert.ok(
      !isPrincipalUnderTest(`arn:aws:iam::${ACCOUNT}:user/intern`, principalFromArn(USER_ARN, 'caller-identity')),
    );
  });

  it('knows the Auto Scaling service-linked role path', () => {
    const p = principalFromArn(
      `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
      'cloudtrail-create-grant',
    );
    assert.equal(
      p.policyArn,
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    );
    assert.equal(p.policyArnCertain, true);
  });

  it('guesses the Identity Center path and says the permission set holds the policies', () => {
    const p = principalFromArn(
      `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com`,
      'caller-identity',
    );
    assert.match(p.policyArn ?? '', /role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_Admin_/);
    assert.match(rolePathCaveat(p) ?? '', /permission set/);
  });

  it('keeps users, roles and root as they are', () => {
    assert.equal(principalFromArn(USER_ARN, 'caller-identity').policyArn, USER_ARN);
    assert.equal(principalFromArn(`arn:aws:iam::${ACCOUNT}:root`, 'caller-identity').kind, 'root');
    assert.equal(
      principalFromArn(`arn:aws:sts::${ACCOUNT}:federated-user/bob`, 'caller-identity').policyArn,
      undefined,
    );
  });
});
