/**
 * DescribeLaunchTemplates through the AWS layer: the paged listing of a region's launch
 * templates that feeds the Check Launch Readiness pick.
 */
import * as assert from 'node:assert/strict';
import { describeLaunchTemplates, mapLaunchTemplate } from '../../../src/aws/ec2';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { Outcome } from '../../../src/core/model';

describe('describeLaunchTemplates', () => {
  /** A session answering DescribeLaunchTemplates with `pages`, recording the inputs. */
  function pagedSession(pages: unknown[]): {
    session: SessionPort;
    inputs: Record<string, unknown>[];
    actions: string[];
  } {
    const inputs: Record<string, unknown>[] = [];
    const actions: string[] = [];
    const session = {
      send<Output>(
        _service: string,
        _profile: string,
        _region: string,
        command: SdkCommand<Output>,
        action: string,
      ): Promise<Outcome<Output>> {
        inputs.push(command.input as Record<string, unknown>);
        actions.push(action);
        return Promise.resolve({ ok: true, value: pages[inputs.length - 1] as Output });
      },
    } as unknown as SessionPort;
    return { session, inputs, actions };
  }

  it('reads every page, sending the NextToken back, and maps each template with its versions', async () => {
    const { session, inputs, actions } = pagedSession([
      {
        LaunchTemplates: [
          {
            LaunchTemplateId: 'lt-0a1b2c3d4e5f60001',
            LaunchTemplateName: 'eks-nodes',
            DefaultVersionNumber: 2,
            LatestVersionNumber: 3,
          },
        ],
        NextToken: 't1',
      },
      { LaunchTemplates: [{ LaunchTemplateId: 'lt-0a1b2c3d4e5f60002' }, { LaunchTemplateName: 'no-id' }] },
    ]);
    const out = await describeLaunchTemplates(session, 'p', 'us-west-2');
    assert.deepEqual(out, {
      ok: true,
      value: [
        { id: 'lt-0a1b2c3d4e5f60001', name: 'eks-nodes', defaultVersion: 2, latestVersion: 3 },
        { id: 'lt-0a1b2c3d4e5f60002' },
      ],
    });
    assert.deepEqual(
      inputs.map((i) => [i.MaxResults, i.NextToken]),
      [
        [200, undefined],
        [200, 't1'],
      ],
    );
    assert.deepEqual(actions, ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplates']);
    assert.deepEqual(mapLaunchTemplate({}), [], 'a template without an id cannot be asked about');
  });

  it('hands a failed page on as the failure, not a partial list', async () => {
    const failure = { kind: 'access-denied' as const, message: 'no', nextStep: 'allow ec2:DescribeLaunchTemplates' };
    const calls: number[] = [];
    const session = {
      send: () => {
        calls.push(1);
        return Promise.resolve(
          calls.length === 1
            ? { ok: true, value: { LaunchTemplates: [{ LaunchTemplateId: 'lt-0a1b2c3d4e5f60001' }], NextToken: 't' } }
            : { ok: false, error: failure },
        );
      },
    } as unknown as SessionPort;
    assert.deepEqual(await describeLaunchTemplates(session, 'p', 'r'), { ok: false, error: failure });
    assert.equal(calls.length, 2);
  });
});
