import * as assert from 'node:assert/strict';
import type { DiagnosisReport, GroupDiagnosisReport } from '../../../src/core/diagnosis/types';
import {
  readinessWithChanges,
  verdictChange,
  withChanges,
  withGroupActions,
} from '../../../src/vscode/diagnose/reportChange';

function report(code: string, title: string): DiagnosisReport {
  return {
    instanceId: 'i-00de0000000000004',
    profile: 'dev-admin',
    region: 'eu-west-1',
    instance: { name: 'app-1', state: 'stopped' },
    verdict: { code, title },
    fixes: [],
  } as unknown as DiagnosisReport;
}

const MARKDOWN = '# Why `i-1` stopped\n\nProfile x.\n\n## Verdict: Missing grant\n\nbody\n';

describe('A report says what changed since it was made', () => {
  it('compares the verdicts of two diagnoses', () => {
    const before = report('kms-create-grant-not-allowed', 'Missing grant');
    assert.equal(
      verdictChange(before, report('unknown', 'No cause found')),
      'Diagnosed again: the verdict was kms-create-grant-not-allowed (Missing grant) and is now unknown (No cause found).',
    );
    assert.match(verdictChange(before, before), /still kms-create-grant-not-allowed/);
    const steps = (status: string) => [
      { id: 'instance-state', title: 'Instance state and state reason', status: 'pass' },
      { id: 'key-policy', title: 'Key policy', status },
    ];
    assert.equal(
      verdictChange({ ...before, steps: steps('fail') } as never, { ...before, steps: steps('pass') } as never),
      'Diagnosed again: the verdict is still kms-create-grant-not-allowed (Missing grant). Key policy: fail before, pass now.',
    );
  });

  it('puts the changes above the verdict, with Diagnose again, and marks a stale verdict as from before', () => {
    const text = withChanges(
      report('kms-create-grant-not-allowed', 'Missing grant'),
      MARKDOWN,
      [{ at: '2026-12-01T17:00:05.000Z', text: 'Key policy of k saved.' }],
      { links: true, stale: true },
    );
    const changed = text.indexOf('## What changed');
    assert.ok(changed > text.indexOf('# Why') && changed < text.indexOf('## Verdict'), text);
    assert.match(text, /- `17:00:05 UTC` Key policy of k saved\./);
    assert.match(text, /\[Diagnose again\]\(command:ec2LaunchDoctor\.diagnoseStoppedInstance\?/);
    assert.match(text, /## Verdict before these changes: Missing grant/);
    assert.doesNotMatch(text, /## Verdict: /);
  });

  it('leaves an unchanged report as it is, and a plain copy without links', () => {
    const r = report('x', 'y');
    // Unchanged, a report only gains its one-line verdict on top.
    assert.equal(
      withChanges(r, MARKDOWN, [], { links: false, stale: true }),
      MARKDOWN.replace('## Verdict: ', '**app-1 (i-00de0000000000004): y.**\n\n## Verdict: '),
    );
    // With links, the actions go on top even before anything changed; the verdict stays as it is.
    const linked = withChanges(r, MARKDOWN, [], { links: true, stale: true });
    assert.ok(linked.indexOf('[Diagnose again]') < linked.indexOf('## Verdict: '), linked);
    const plain = withChanges(r, MARKDOWN, [{ at: 'x', text: 'Started [as](command:evil)' }], {
      links: false,
      stale: false,
    });
    assert.doesNotMatch(plain, /Diagnose again/);
    assert.match(plain, /## Verdict: /);
    // The brackets are escaped: the text cannot make a link.
    assert.ok(plain.includes('Started \\[as\\](command:evil)'), plain);
  });
});

describe('A group report and a prediction in the report view', () => {
  const GROUP_MARKDOWN =
    '# Why Auto Scaling group `web` fails to launch\n\nProfile `p`.\n\n## Verdict: Missing grant\n\nbody\n';

  it('gives a group report its verdict line and actions after the title, escaping the group name', () => {
    const report = {
      subject: 'auto-scaling-group',
      groupName: 'web *[x](command:y)*',
      profile: 'p',
      region: 'r',
      verdict: { code: 'kms-create-grant-not-allowed', title: 'Missing grant' },
      keys: [],
      fixes: [],
    } as unknown as GroupDiagnosisReport;
    const md = withGroupActions(report, GROUP_MARKDOWN);
    const [before, after] = md.split('## Verdict: Missing grant');
    assert.ok(before.startsWith('# Why Auto Scaling group `web` fails to launch\n\nProfile `p`.\n\n'), before);
    assert.match(before, /\*\*Auto Scaling group web \\\*\\\[x\\\]\(command:y\)\\\*: Missing grant\.\*\*/);
    assert.match(before, /\[Diagnose again\]\(command:ec2LaunchDoctor\.diagnoseAutoScalingGroup\?/);
    assert.match(before, /\[Check launch readiness\]\(command:ec2LaunchDoctor\.checkLaunchReadiness\?/);
    assert.equal(after, '\n\nbody\n');
  });

  it('puts what changed on a group report after its actions, and marks its verdict as from before', () => {
    const report = {
      subject: 'auto-scaling-group',
      groupName: 'web',
      profile: 'p',
      region: 'r',
      verdict: { code: 'kms-create-grant-not-allowed', title: 'Missing grant' },
      keys: [],
      fixes: [],
    } as unknown as GroupDiagnosisReport;
    assert.doesNotMatch(withGroupActions(report, GROUP_MARKDOWN, []), /What changed|before these changes/);
    const md = withGroupActions(report, GROUP_MARKDOWN, [
      { at: '2024-10-04T18:06:36.000Z', text: 'Key policy of <k> saved.' },
    ]);
    assert.match(md, /^## Verdict before these changes: Missing grant$/m);
    assert.match(md, /## What changed\n\n- `18:06:36 UTC` Key policy of &lt;k&gt; saved\.\n/);
    assert.ok(md.indexOf('[Check launch readiness]') < md.indexOf('## What changed'));
    assert.ok(md.indexOf('## What changed') < md.indexOf('## Verdict before these changes'));
  });

  it('marks a prediction made before a change as such, with the change on top', () => {
    const page = '# Prediction: Auto Scaling group `web` will fail\n\nProfile `p`.\n\n## Why\n\nreason\n';
    assert.equal(readinessWithChanges(page, []), page, 'unchanged without changes');
    const md = readinessWithChanges(page, [{ at: '2024-10-04T18:06:36.000Z', text: 'Key policy of <k> saved.' }]);
    assert.match(md, /^# Prediction before these changes: Auto Scaling group `web` will fail$/m);
    assert.match(md, /## What changed\n\n- `18:06:36 UTC` Key policy of &lt;k&gt; saved\.\n/);
    assert.ok(md.indexOf('## What changed') < md.indexOf('## Why'));
    assert.match(md, /use Check again/);
  });
});
