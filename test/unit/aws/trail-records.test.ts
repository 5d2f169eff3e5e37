/**
 * The CloudTrail mapper on the realistic records of src/aws-records.md: what it reads from
 * today's shapes (eventSource, invokedBy, dryRun, resources, the session issuer, both grantee
 * forms) must be what the diagnosis expects of them (test/unit/diagnosis/realRecords.ts).
 */
import * as assert from 'node:assert/strict';
import type { Event } from '@aws-sdk/client-cloudtrail';
import { mapTrailEvent } from '../../../src/aws/cloudtrail';
import {
  F1_DENIED_GRANT,
  F2_OLD_DENIED_GRANT,
  F3_DENIED_DATA_KEY,
  F4_DRY_RUN_GRANT,
  F5_GRANT,
} from '../diagnosis/realRecords';
import { F1_RECORD, F2_RECORD, F3_RECORD, F4_RECORD, F5_RECORD } from './realResponses';

/** A LookupEvents entry as CloudTrail returns it for a record: the summary fields and the record's JSON. */
function lookupEntry(record: { eventID: string; eventName: string; eventSource: string }): Event {
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    EventSource: record.eventSource,
    CloudTrailEvent: JSON.stringify(record),
  };
}

describe('mapTrailEvent on real record shapes', () => {
  it('F1: maps a denied grant of today with the fields the diagnosis reads, and the new ones', () => {
    const event = mapTrailEvent(lookupEntry(F1_RECORD));
    const { invokedBy, userType, resources, dryRun, ...read } = event;
    assert.deepEqual(read, F1_DENIED_GRANT);
    assert.equal(invokedBy, 'ec2-frontend-api.amazonaws.com');
    assert.equal(userType, 'AssumedRole');
    assert.equal(dryRun, undefined);
    assert.deepEqual(resources, [
      {
        type: 'AWS::KMS::Key',
        name: 'arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
        accountId: '111122223333',
      },
    ]);
    // The role behind the session, with its path: the session ARN has none.
    assert.equal(event.sessionIssuerArn, 'arn:aws:iam::111122223333:role/ops/Operator');
  });

  it('F2: reads the old grantee form, an IAM user and "AWS Internal" as the invoker', () => {
    const { invokedBy, userType, ...read } = mapTrailEvent(lookupEntry(F2_RECORD));
    assert.deepEqual(read, F2_OLD_DENIED_GRANT);
    assert.equal(invokedBy, 'AWS Internal');
    assert.equal(userType, 'IAMUser');
  });

  it('F3: keeps the service-linked role session and its issuer for a denied data key', () => {
    const { invokedBy, userType, ...read } = mapTrailEvent(lookupEntry(F3_RECORD));
    assert.deepEqual(read, F3_DENIED_DATA_KEY);
    assert.equal(invokedBy, 'autoscaling.amazonaws.com');
    assert.equal(userType, 'AssumedRole');
  });

  it('F4: marks a DryRun grant as a dry run, from requestParameters.dryRun and from its error code', () => {
    const { invokedBy, userType, dryRun, resources, ...read } = mapTrailEvent(lookupEntry(F4_RECORD));
    assert.deepEqual(read, F4_DRY_RUN_GRANT);
    assert.equal(dryRun, true);
    assert.equal(invokedBy, 'fargate.amazonaws.com');
    assert.equal(userType, 'AWSService');
    assert.equal(resources?.[0]?.accountId, 'AWS Internal');
    const { requestParameters, ...withoutParameters } = F4_RECORD;
    assert.ok(requestParameters.dryRun);
    assert.equal(
      mapTrailEvent(lookupEntry(withoutParameters as typeof F4_RECORD)).dryRun,
      true,
      'the error code alone says dry run',
    );
  });

  it('F5: takes the instance from the STS-ARN grantee of a successful grant', () => {
    const { invokedBy, userType, resources, ...read } = mapTrailEvent(lookupEntry(F5_RECORD));
    assert.deepEqual(read, F5_GRANT);
    assert.equal(invokedBy, 'ec2-frontend-api.amazonaws.com');
    assert.equal(userType, 'AssumedRole');
    assert.equal(resources?.length, 1);
  });

  it('takes eventSource from the record, else from the summary, so a License Manager CreateGrant is told apart', () => {
    const licence = mapTrailEvent({
      EventId: 'l-1',
      EventName: 'CreateGrant',
      EventSource: 'license-manager.amazonaws.com',
    });
    assert.equal(licence.eventSource, 'license-manager.amazonaws.com');
    const kms = mapTrailEvent({
      EventId: 'k-1',
      EventName: 'CreateGrant',
      EventSource: 'x',
      CloudTrailEvent: JSON.stringify({ eventSource: 'kms.amazonaws.com' }),
    });
    assert.equal(kms.eventSource, 'kms.amazonaws.com');
  });

  it('falls back to the summary Resources when the record lists none', () => {
    const event = mapTrailEvent({
      EventId: 's-1',
      EventName: 'StartInstances',
      Resources: [{ ResourceType: 'AWS::EC2::Instance', ResourceName: 'i-0123456789abcdef0' }],
      CloudTrailEvent: JSON.stringify({
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] } },
      }),
    });
    assert.deepEqual(event.resources, [{ type: 'AWS::EC2::Instance', name: 'i-0123456789abcdef0' }]);
  });

  it('takes the instances a RunInstances record names only in its response, each once', () => {
    const event = mapTrailEvent({
      EventId: 'r-1',
      EventName: 'RunInstances',
      CloudTrailEvent: JSON.stringify({
        requestParameters: { instancesSet: { items: [{ imageId: 'ami-1', minCount: 2, maxCount: 2 }] } },
        responseElements: {
          instancesSet: {
            items: [
              { instanceId: 'i-0aaaaaaaaaaaaaaa1' },
              { instanceId: 'i-0aaaaaaaaaaaaaaa2' },
              { instanceId: 'i-0aaaaaaaaaaaaaaa1' },
            ],
          },
        },
      }),
    });
    assert.deepEqual(event.instanceIds, ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']);
  });

  it('ignores fields of the wrong type instead of passing them on', () => {
    const hostile = {
      eventSource: 42,
      userIdentity: { arn: ['x'], invokedBy: { a: 1 }, sessionContext: { sessionIssuer: { arn: null } } },
      errorCode: {},
      requestParameters: { keyId: 7, granteePrincipal: false, dryRun: 'true', instancesSet: { items: 'i-1' } },
      responseElements: { instancesSet: { items: [null, { instanceId: 5 }] } },
      resources: [null, 'x', { type: 3, ARN: 4 }],
    };
    const event = mapTrailEvent({ EventId: 'h-1', EventName: 'CreateGrant', CloudTrailEvent: JSON.stringify(hostile) });
    assert.deepEqual(event, { eventId: 'h-1', eventName: 'CreateGrant', eventTime: '' });
  });

  it('does not take an instance id from a grantee that is not EC2 infrastructure', () => {
    const event = mapTrailEvent({
      EventId: 'g-1',
      EventName: 'CreateGrant',
      CloudTrailEvent: JSON.stringify({
        requestParameters: { granteePrincipal: 'arn:aws:iam::111122223333:role/i-0123456789abcdef0' },
      }),
    });
    assert.equal(event.instanceIds, undefined);
  });
});
