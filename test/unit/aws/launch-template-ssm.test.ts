/**
 * DescribeLaunchTemplateVersions asked with ResolveAlias, so a version whose AMI is a Systems
 * Manager parameter comes back with the AMI id; a refused resolving read is asked once more
 * without it, and the version keeps the parameter (src/aws-records.md Q3). A fake session
 * answers each command in turn and records what was sent.
 */
import * as assert from 'node:assert/strict';
import type { DescribeLaunchTemplateVersionsCommandOutput } from '@aws-sdk/client-ec2';
import { describeLaunchTemplateVersions } from '../../../src/aws/ec2';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { AwsFailure, Outcome } from '../../../src/core/model';

const PARAMETER_IMAGE = 'resolve:ssm:/golden/eks-node';
const AMI = 'ami-0123456789abcdef0';
const TEMPLATE = { id: 'lt-0abc', version: '$Default' };

/** EC2's refusal of the read itself, as the error classifier keeps it. */
const READ_REFUSED: AwsFailure = {
  kind: 'access-denied',
  code: 'UnauthorizedOperation',
  action: 'ec2:DescribeLaunchTemplateVersions',
  message:
    'You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/u is not authorized to perform: ec2:DescribeLaunchTemplateVersions because no identity-based policy allows the ec2:DescribeLaunchTemplateVersions action',
  nextStep: 'Allow ec2:DescribeLaunchTemplateVersions.',
};
/** A refusal that does not name the read: the parameter's, as far as the caller can tell. */
const RESOLVE_REFUSED: AwsFailure = {
  kind: 'access-denied',
  code: 'UnauthorizedOperation',
  message: 'You are not authorized to perform this operation.',
  nextStep: 'Check the permissions.',
};

function versionsAnswer(imageId: string): Outcome<DescribeLaunchTemplateVersionsCommandOutput> {
  return {
    ok: true,
    value: {
      $metadata: {},
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: 'lt-0abc',
          VersionNumber: 1,
          DefaultVersion: true,
          LaunchTemplateData: { ImageId: imageId },
        },
      ],
    },
  };
}

/** A session whose answers are taken in turn; every command's input is recorded. */
function sessionAnswering(answers: Outcome<unknown>[]): { session: SessionPort; inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  const session = {
    send<Output>(_s: string, _p: string, _r: string, command: SdkCommand<Output>): Promise<Outcome<Output>> {
      inputs.push(command.input as Record<string, unknown>);
      const answer = answers[inputs.length - 1] ?? assert.fail(`no answer for request ${inputs.length}`);
      return Promise.resolve(answer as Outcome<Output>);
    },
  } as unknown as SessionPort;
  return { session, inputs };
}

describe('DescribeLaunchTemplateVersions and Systems Manager parameters', () => {
  it('asks with ResolveAlias: one request, the AMI id the parameter holds', async () => {
    const { session, inputs } = sessionAnswering([versionsAnswer(AMI)]);
    const out = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', TEMPLATE);
    assert.ok(out.ok);
    assert.equal(out.value[0]?.imageId, AMI);
    assert.equal(inputs.length, 1);
    assert.equal(inputs[0]?.ResolveAlias, true);
  });

  it('a refused resolving read is asked again without ResolveAlias: the version keeps the parameter', async () => {
    const { session, inputs } = sessionAnswering([
      { ok: false, error: RESOLVE_REFUSED },
      versionsAnswer(PARAMETER_IMAGE),
    ]);
    const out = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', TEMPLATE);
    assert.ok(out.ok, JSON.stringify(out));
    assert.equal(out.value[0]?.imageId, PARAMETER_IMAGE);
    assert.deepEqual(
      inputs.map((i) => i.ResolveAlias),
      [true, undefined],
    );
    assert.ok(!('ResolveAlias' in (inputs[1] ?? {})), 'the second read does not send ResolveAlias at all');
  });

  it('a refusal naming the read itself, a throttle or a missing template is not asked again', async () => {
    const throttled: AwsFailure = { kind: 'throttled', message: 'Rate exceeded', nextStep: 'Wait.' };
    const missing: AwsFailure = { kind: 'not-found', message: 'no template', nextStep: 'Check the id.' };
    for (const error of [READ_REFUSED, throttled, missing]) {
      const { session, inputs } = sessionAnswering([{ ok: false, error }]);
      const out = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', TEMPLATE);
      assert.ok(!out.ok);
      assert.equal(out.error, error);
      assert.equal(inputs.length, 1, error.kind);
    }
  });

  it('when the second read fails too, its failure is the answer', async () => {
    const { session, inputs } = sessionAnswering([
      { ok: false, error: RESOLVE_REFUSED },
      { ok: false, error: READ_REFUSED },
    ]);
    const out = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', TEMPLATE);
    assert.ok(!out.ok);
    assert.equal(out.error, READ_REFUSED);
    assert.equal(inputs.length, 2);
  });
});
