/**
 * CloudTrail lookups by resource: the most selective resource first, answers narrowed to the
 * event name, no further lookup once the event sought is found, the event-name lookup as the
 * fallback, one page budget for the whole question and the rate gate before every request.
 */
import * as assert from 'node:assert/strict';
import type { Event, LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { lookupEvents, resourceLookupOrder } from '../../../src/aws/cloudtrail';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { Outcome, ProfileSummary } from '../../../src/core/model';

const INSTANCE = 'i-0c9d812c0cfa2790f';
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271';
const WINDOW = { startTime: new Date('2026-05-18T06:00:00Z'), endTime: new Date('2026-05-18T06:30:00Z') };

function event(id: string, name: string, minute: number, record: Record<string, unknown> = {}): Event {
  return {
    EventId: id,
    EventName: name,
    EventTime: new Date(Date.UTC(2026, 4, 18, 6, minute)),
    CloudTrailEvent: JSON.stringify(record),
  };
}

const DENIAL = event('denied', 'CreateGrant', 17, {
  eventSource: 'kms.amazonaws.com',
  errorCode: 'AccessDenied',
  requestParameters: {
    keyId: KEY_ARN,
    granteePrincipal: `arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/${INSTANCE}`,
  },
});

/** A session whose LookupEvents answers come from `answer`, with every request and gate wait recorded. */
function trailSession(
  answer: (input: LookupEventsCommandInput, request: number) => Partial<LookupEventsCommandOutput>,
): {
  session: SessionPort;
  inputs: LookupEventsCommandInput[];
  waits: () => number;
} {
  const inputs: LookupEventsCommandInput[] = [];
  let waits = 0;
  const session = {
    send<Output>(_s: string, _p: string, _r: string, command: SdkCommand<Output>): Promise<Outcome<Output>> {
      const input = command.input as LookupEventsCommandInput;
      inputs.push(input);
      return Promise.resolve({ ok: true, value: answer(input, inputs.length) as Output });
    },
    rateGate: () => ({
      wait: async () => {
        waits++;
      },
    }),
    profile: async (name: string): Promise<ProfileSummary> => ({
      name,
      signIn: 'static-keys',
      accountId: '111122223333',
    }),
  } as unknown as SessionPort;
  return { session, inputs, waits: () => waits };
}

const attributeOf = (input: LookupEventsCommandInput): string => {
  const [attribute] = input.LookupAttributes ?? [];
  return `${attribute?.AttributeKey}=${attribute?.AttributeValue}`;
};
const isDenial = (e: { eventId: string }): boolean => e.eventId === 'denied';

describe('resourceLookupOrder', () => {
  it('puts the instance before its volume and the key, keeps other names last in order, each once', () => {
    assert.deepEqual(resourceLookupOrder([KEY_ARN, 'something', INSTANCE, 'vol-0894f908458cca170', INSTANCE, '']), [
      INSTANCE,
      'vol-0894f908458cca170',
      KEY_ARN,
      'something',
    ]);
  });
});

describe('lookupEvents by resource', () => {
  it('finds the denial by the key and stops: no event-name lookup through the busy account', async () => {
    const { session, inputs, waits } = trailSession((input) => {
      if (attributeOf(input) === `ResourceName=${INSTANCE}`) return { Events: [event('start', 'StartInstances', 16)] };
      if (attributeOf(input) === `ResourceName=${KEY_ARN}`)
        return { Events: [event('decrypt', 'Decrypt', 20), DENIAL] };
      return { Events: [], NextToken: 'never-asked' };
    });
    const out = await lookupEvents(session, 'p', 'us-east-1', {
      eventName: 'CreateGrant',
      ...WINDOW,
      maxResults: 500,
      stopWhen: isDenial,
      resourceNames: [KEY_ARN, INSTANCE],
    });
    assert.ok(out.ok);
    // Narrowed to the name asked for: neither the StartInstances nor the Decrypt comes back.
    assert.deepEqual(
      out.value.map((e) => e.eventId),
      ['denied'],
    );
    assert.deepEqual(inputs.map(attributeOf), [`ResourceName=${INSTANCE}`, `ResourceName=${KEY_ARN}`]);
    assert.equal(waits(), 2, 'every request waits for the rate gate');
    assert.equal(inputs[0]?.MaxResults, 50);
  });

  it('falls back to the event name when no resource lookup holds the event, keeping each event once', async () => {
    const grant = event('other-grant', 'CreateGrant', 25, { eventSource: 'kms.amazonaws.com' });
    const { session, inputs } = trailSession((input) =>
      attributeOf(input) === 'EventName=CreateGrant' ? { Events: [grant, DENIAL] } : { Events: [grant] },
    );
    const out = await lookupEvents(session, 'p', 'us-east-1', {
      eventName: 'CreateGrant',
      ...WINDOW,
      maxResults: 500,
      stopWhen: isDenial,
      resourceNames: [KEY_ARN],
    });
    assert.ok(out.ok);
    assert.deepEqual(
      out.value.map((e) => e.eventId),
      ['other-grant', 'denied'],
    );
    assert.deepEqual(inputs.map(attributeOf), [`ResourceName=${KEY_ARN}`, 'EventName=CreateGrant']);
  });

  it('spends one budget of ten pages on all lookups of a question', async () => {
    let page = 0;
    const { session, inputs } = trailSession(() => ({
      Events: [event(`e-${++page}`, 'CreateGrant', 1)],
      NextToken: `t-${page}`,
    }));
    const out = await lookupEvents(session, 'p', 'us-east-1', {
      eventName: 'CreateGrant',
      ...WINDOW,
      maxResults: 500,
      stopWhen: isDenial,
      resourceNames: [INSTANCE, KEY_ARN],
    });
    assert.ok(out.ok);
    assert.equal(inputs.length, 10);
    // The first resource pages on until the budget ends: its tokens go back with the same attribute.
    assert.ok(inputs.every((input) => attributeOf(input) === `ResourceName=${INSTANCE}`));
    assert.equal(inputs[1]?.NextToken, 't-1');
  });

  it('without resource names asks by event name only, as before', async () => {
    const { session, inputs } = trailSession(() => ({ Events: [DENIAL] }));
    const out = await lookupEvents(session, 'p', 'us-east-1', { eventName: 'CreateGrant', ...WINDOW, maxResults: 20 });
    assert.ok(out.ok);
    assert.deepEqual(inputs.map(attributeOf), ['EventName=CreateGrant']);
    assert.equal(inputs[0]?.MaxResults, 20);
  });

  it('hands on a failed resource lookup as the failure', async () => {
    const session = {
      send: () => Promise.resolve({ ok: false, error: { kind: 'throttled', message: 'slow down', nextStep: 'wait' } }),
      rateGate: () => ({ wait: async () => {} }),
      profile: async () => undefined,
    } as unknown as SessionPort;
    const out = await lookupEvents(session, 'p', 'us-east-1', {
      eventName: 'CreateGrant',
      ...WINDOW,
      resourceNames: [KEY_ARN],
    });
    assert.ok(!out.ok && out.error.kind === 'throttled');
  });
});
