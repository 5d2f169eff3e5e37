import * as assert from 'node:assert/strict';
import type { DiagnosisReport, Fix } from '../../../src/core/diagnosis/types';
import { actionsMarkdown, keyPolicyEditOf, reportActions } from '../../../src/vscode/diagnose/reportActions';
import { withChanges } from '../../../src/vscode/diagnose/reportChange';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0002-4abc-8def-000000000002';
const ROLE = 'arn:aws:iam::111111111111:role/Operator';

function report(code: string, fixes: Fix[]): DiagnosisReport {
  return {
    instanceId: 'i-00de0000000000004',
    profile: 'dev-admin',
    region: 'eu-west-1',
    instance: { name: 'app-1', state: 'running' },
    verdict: { code, title: 't', keyArn: KEY, principalArn: ROLE },
    fixes,
  } as unknown as DiagnosisReport;
}

const KEY_FIX: Fix = { target: 'key-policy', keyArn: KEY, principalArn: ROLE, statement: {} } as Fix;
const argsOf = (target: string) => JSON.parse(decodeURIComponent(target.slice(target.indexOf('?') + 1)))[0];

describe('Fix in <file>: the report actions of a key defined in the workspace', () => {
  it('come first, one per file, before the live policy, which notes that it drifts from the code', () => {
    const actions = reportActions(report('kms-create-grant-not-allowed', [KEY_FIX]), [
      { path: 'infra/kms.tf' },
      { path: 'stack.yaml' },
    ]);
    assert.deepEqual(
      actions.map((a) => [a.label, a.note]),
      [
        ['Fix in infra/kms.tf', undefined],
        ['Fix in stack.yaml', undefined],
        ['Open key policy', 'drifts from infra/kms.tf'],
        ['Diagnose again', undefined],
        ['Copy report', undefined],
      ],
    );
    assert.match(actions[0].target, /^command:ec2LaunchDoctor\.fixInCode\?/);
    assert.deepEqual(argsOf(actions[0].target), { keyArn: KEY, principalArn: ROLE, path: 'infra/kms.tf' });
    assert.deepEqual(argsOf(actions[2].target), {
      profile: 'dev-admin',
      region: 'eu-west-1',
      keyArn: KEY,
      principalArn: ROLE,
    });
  });

  it('are not offered when the fix is no key policy edit, whatever the workspace defines', () => {
    const labels = reportActions(report('kms-key-disabled', []), [{ path: 'kms.tf' }]).map((a) => a.label);
    assert.deepEqual(labels, ['Diagnose again', 'Copy report']);
    assert.equal(keyPolicyEditOf(report('kms-key-disabled', [])), undefined);
  });

  it('without definitions the actions are as before: Open key policy without a note', () => {
    const [open] = reportActions(report('kms-create-grant-explicit-deny', []));
    assert.equal(open.label, 'Open key policy');
    assert.equal(open.note, undefined);
  });

  it('escape a hostile file name in the label and in the note', () => {
    const line = actionsMarkdown(
      reportActions(report('kms-create-grant-not-allowed', [KEY_FIX]), [{ path: 'a](command:x)[b*.tf' }]),
    );
    assert.ok(!line.includes('a](command:x)'), line);
    assert.match(line, /^\[Fix in a\\\]\(command:x\)\\\[b\\\*\.tf\]\(command:ec2LaunchDoctor\.fixInCode\?/);
    assert.match(line, /\[Open key policy\]\([^)]*\) \(drifts from a\\\]\(command:x\)\\\[b\\\*\.tf\)/);
  });

  it('show in the report view on top, through withChanges', () => {
    const markdown = withChanges(report('kms-create-grant-not-allowed', [KEY_FIX]), '# T\n\n## Verdict: t\n', [], {
      links: true,
      stale: false,
      definitions: [{ path: 'kms.tf' }],
    });
    assert.match(
      markdown,
      /\n\[Fix in kms\.tf\]\(command:ec2LaunchDoctor\.fixInCode\?[^)]*\) · \[Open key policy\]\([^)]*\) \(drifts from kms\.tf\)/,
    );
  });
});
