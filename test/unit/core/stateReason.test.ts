import * as assert from 'node:assert/strict';
import type { InstanceStateName } from '../../../src/core/model';
import { classifyStateReason, type StateReasonKind } from '../../../src/core/stateReason';

type Row = [
  code: string,
  message: string,
  state: InstanceStateName,
  kind: StateReasonKind,
  launchFailure: boolean,
  kmsChecks: boolean,
];

const rows: Row[] = [
  [
    'Client.InternalError',
    'Client.InternalError: Client error on launch',
    'stopped',
    'client-internal-error',
    true,
    true,
  ],
  [
    'Client.InternalError',
    'Client.InternalError: Client error on launch',
    'terminated',
    'client-internal-error',
    true,
    true,
  ],
  [
    'Client.InternalError',
    'Client.InternalError: Client error on launch',
    'stopping',
    'client-internal-error',
    true,
    true,
  ],
  [
    'Client.InvalidKMSKey.InvalidState',
    'The KMS key provided is in an incorrect state',
    'stopped',
    'kms-key-invalid-state',
    true,
    true,
  ],
  [
    'Server.InternalError',
    'Server.InternalError: Internal error on launch',
    'stopped',
    'server-internal-error',
    true,
    true,
  ],
  // AWS's own example pairs a generic Code with a specific Message: the Message wins.
  [
    'Server.InternalError',
    'Client.VolumeLimitExceeded: Volume limit exceeded',
    'stopped',
    'volume-limit-exceeded',
    true,
    false,
  ],
  [
    'Server.InternalError',
    'Server.InternalError: VolumeLimitExceeded',
    'stopped',
    'volume-limit-exceeded',
    true,
    false,
  ],
  [
    'Client.VolumeLimitExceeded',
    'Client.VolumeLimitExceeded: Volume limit exceeded',
    'stopped',
    'volume-limit-exceeded',
    true,
    false,
  ],
  [
    'Client.InvalidSnapshot.NotFound',
    'Client.InvalidSnapshot.NotFound: The snapshot snap-1 does not exist.',
    'terminated',
    'snapshot-not-found',
    true,
    false,
  ],
  [
    'Server.InsufficientInstanceCapacity',
    'Server.InsufficientInstanceCapacity: Insufficient capacity.',
    'stopped',
    'insufficient-capacity',
    true,
    false,
  ],
  [
    'Server.InternalError',
    'Server.InternalError: The KMS key provided is in an incorrect state',
    'stopped',
    'kms-key-invalid-state',
    true,
    true,
  ],
  [
    'Client.UserInitiatedShutdown',
    'Client.UserInitiatedShutdown: User initiated shutdown',
    'stopped',
    'user-initiated-stop',
    false,
    false,
  ],
  [
    'Client.UserInitiatedHibernate',
    'Client.UserInitiatedHibernate: User initiated hibernate',
    'stopped',
    'user-initiated-hibernate',
    false,
    false,
  ],
  [
    'Client.InstanceInitiatedShutdown',
    'Client.InstanceInitiatedShutdown: Instance initiated shutdown',
    'stopped',
    'instance-initiated-shutdown',
    false,
    false,
  ],
  [
    'Server.ScheduledStop',
    'Server.ScheduledStop: Stopped due to scheduled retirement',
    'stopped',
    'scheduled-stop',
    false,
    false,
  ],
  [
    'Server.SpotInstanceShutdown',
    'Server.SpotInstanceShutdown: Spot instance shutdown',
    'stopped',
    'spot-interruption',
    false,
    false,
  ],
  [
    'Server.SpotInstanceTermination',
    'Server.SpotInstanceTermination: Spot instance termination',
    'terminated',
    'spot-interruption',
    false,
    false,
  ],
  // A stale reason on a running or pending instance does not make it a failure.
  ['Client.InternalError', 'Client.InternalError: Client error on launch', 'running', 'not-stopped', false, false],
  ['', '', 'pending', 'not-stopped', false, false],
  ['', '', 'stopped', 'no-reason', false, false],
  ['Client.SomethingNew', 'Client.SomethingNew: whatever', 'stopped', 'unrecognized', false, true],
  // A missing Code is recovered from the Message's prefix.
  ['', 'Client.InternalError: Client error on launch', 'stopped', 'client-internal-error', true, true],
];

describe('classifyStateReason', () => {
  for (const [code, message, state, kind, launchFailure, kmsChecks] of rows) {
    it(`${code || '(no code)'} / "${message}" on a ${state} instance -> ${kind}`, () => {
      const result = classifyStateReason(code || message ? { code, message } : undefined, state);
      assert.equal(result.kind, kind);
      assert.equal(result.isLaunchFailure, launchFailure);
      assert.equal(result.needsKmsChecks, kmsChecks);
      assert.ok(result.summary.length > 10);
      assert.ok(result.nextStep.length > 5);
    });
  }

  it('says plainly that a user stop is not a launch failure', () => {
    const result = classifyStateReason({ code: 'Client.UserInitiatedShutdown', message: '' }, 'stopped');
    assert.match(result.summary, /not a launch failure/);
  });

  it('points a KMS-related failure at the KMS checks', () => {
    assert.match(classifyStateReason({ code: 'Client.InternalError', message: '' }, 'stopped').nextStep, /KMS/);
  });

  it('works without a state, for callers that only have the reason', () => {
    assert.equal(
      classifyStateReason({ code: 'Client.InternalError', message: 'Client error on launch' }).kind,
      'client-internal-error',
    );
  });
});
