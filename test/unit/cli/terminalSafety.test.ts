import * as assert from 'node:assert/strict';
import { parseDiagnoseArguments } from '../../../src/cli/diagnose';
import { EXIT, parseReadinessArguments, runReadiness, type ReadinessAws } from '../../../src/cli/readiness';
import type { AwsFailure, ProfileSummary } from '../../../src/core/model';

/** A value that would move to a new line and clear the screen if it reached a terminal raw. */
const HOSTILE = 'evil\n\u001b[2J\u001b]0;owned\u0007';

/** True when the text holds a line break or a C0/C1 control (ESC, BEL, CSI). */
function hasControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

describe('the CLI never echoes a control character to stderr', () => {
  const readinessCases: string[][] = [
    ['--launch-template', HOSTILE],
    ['--launch-template', 'web-servers', '--version', HOSTILE],
    ['--instance-id', HOSTILE],
    ['--instance', HOSTILE],
    ['--auto-scaling-group', 'web', '--timeout', HOSTILE],
    // parseArgs' own messages quote the argument.
    [HOSTILE],
    [`--${HOSTILE}`],
  ];
  for (const args of readinessCases) {
    it(`readiness ${JSON.stringify(args)}: a one-line usage error`, () => {
      const parsed = parseReadinessArguments(args, {});
      assert.equal(typeof parsed, 'string');
      assert.ok(!hasControl(String(parsed)), JSON.stringify(parsed));
      // The value is still recognisable, its controls replaced.
      assert.match(String(parsed), /evil/);
    });
  }

  const diagnoseCases: string[][] = [
    ['--instance', HOSTILE],
    ['--instance', 'i-0123456789abcdef0', '--timeout', HOSTILE],
    [HOSTILE],
    [`--${HOSTILE}`],
  ];
  for (const args of diagnoseCases) {
    it(`diagnose ${JSON.stringify(args)}: a one-line usage error`, () => {
      const parsed = parseDiagnoseArguments(args, {});
      assert.equal(typeof parsed, 'string');
      assert.ok(!hasControl(String(parsed)), JSON.stringify(parsed));
      assert.match(String(parsed), /evil/);
    });
  }

  /** The AWS layer with one profile, whose template read fails as `failure`. */
  function fakeAws(failure: AwsFailure): ReadinessAws {
    const profiles: ProfileSummary[] = [{ name: 'dev', signIn: 'static-keys', region: 'eu-west-1' }];
    class Session {
      profiles = async () => profiles;
      profilesByAccount = async () => ({});
      dispose() {}
    }
    return {
      AwsSession: Session,
      redactSecrets: (text: string) => text,
      describeLaunchTemplateVersions: async () => ({ ok: false, error: failure }),
      createDiagnosisPorts: () => assert.fail('nothing is predicted for a template that does not exist'),
      listAutoScalingGroups: () => assert.fail('not a group'),
      describeInstance: () => assert.fail('not an instance'),
    } as unknown as ReadinessAws;
  }

  async function run(args: string[], aws: ReadinessAws): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const code = await runReadiness(args, { stdout: () => {}, stderr: (s) => (stderr += s), env: {} }, aws);
    return { code, stderr };
  }

  it("readiness prints AWS's not-found message on one line", async () => {
    const aws = fakeAws({
      kind: 'not-found',
      code: 'InvalidLaunchTemplateName.NotFoundException',
      message: `The specified launch template, with template name ${HOSTILE}, does not exist.`,
      nextStep: '',
    });
    const { code, stderr } = await run(['--launch-template', 'web-servers', '--profile', 'dev'], aws);
    assert.equal(code, EXIT.usage);
    assert.match(stderr, /^not found: /);
    assert.match(stderr, /evil.*does not exist\.\n$/);
    assert.ok(!hasControl(stderr.slice(0, -1)), JSON.stringify(stderr));
  });

  it('readiness names an unknown profile on one line', async () => {
    const aws = fakeAws({ kind: 'not-found', message: '', nextStep: '' });
    const { code, stderr } = await run(['--launch-template', 'web-servers', '--profile', HOSTILE], aws);
    assert.equal(code, EXIT.usage);
    assert.match(stderr, /^no profile named "evil.*"/);
    assert.ok(!hasControl(stderr.slice(0, -1)), JSON.stringify(stderr));
  });
});
