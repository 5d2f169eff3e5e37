import * as assert from 'node:assert/strict';
import { diagnoseInstance, renderMarkdown } from '../../../src/core/diagnosis';
import { NOW, baseWorld, fakePorts } from './fakes';

describe('report headings', () => {
  it('use plain words, no emoji, and say that KMS refused the caller it found', async () => {
    const world = baseWorld();
    const report = await diagnoseInstance(
      { instanceId: world.instance.id, profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    const md = renderMarkdown(report);
    assert.doesNotMatch(md, /[\u2705\u274C\u23ED\u26A0\u{1F300}-\u{1FAFF}]/u);
    const principal = report.steps.find((s) => s.id === 'principal');
    assert.ok(principal);
    const heading = md.split('\n').find((line) => line.includes('Who started the instance'));
    assert.ok(heading, md);
    assert.doesNotMatch(heading, /: FAIL$/);
    // The caller step "fails" when KMS refused the caller it found.
    const refused = renderMarkdown({
      ...report,
      steps: report.steps.map((s) => (s.id === 'principal' ? { ...s, status: 'fail' as const } : s)),
    });
    assert.match(refused, /^### 4\. Who started the instance: FOUND, AND KMS REFUSED IT$/m);
    assert.match(md, /### \d\. Key policy: (PASS|FAIL|SKIP|ERROR)$/m);
  });
});

describe('advice inside a diagnosis', () => {
  it('never tells the person to run Diagnose', async () => {
    const world = baseWorld();
    const report = await diagnoseInstance(
      { instanceId: world.instance.id, profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    const md = renderMarkdown(report);
    assert.doesNotMatch(md, /Run Diagnose/i);
    assert.match(report.steps[0].nextStep ?? '', /^The checks below look at the volumes/);
  });
});
