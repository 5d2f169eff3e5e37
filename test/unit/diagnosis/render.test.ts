import * as assert from 'node:assert/strict';
import {
  diagnoseInstance,
  renderMarkdown,
  renderText,
  toJson,
  type DiagnosisReport,
} from '../../../src/core/diagnosis';
import { INSTANCE_ID, KEY_ARN, NOW, REGION, USER_ARN, baseWorld, fakePorts, key, type World } from './fakes';

async function report(world: World = baseWorld()): Promise<DiagnosisReport> {
  return diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, fakePorts(world), {
    now: () => NOW,
  });
}

/** The decoded argument of every `command:ID?...` link in the Markdown. */
function commandLinks(markdown: string): { command: string; args: Record<string, unknown> }[] {
  return [...markdown.matchAll(/\(command:([\w.]+)\?([^)\s]+)\)/g)].map((m) => {
    const parsed = JSON.parse(decodeURIComponent(m[2])) as unknown[];
    assert.equal(parsed.length, 1);
    return { command: m[1], args: parsed[0] as Record<string, unknown> };
  });
}

describe('report rendering', () => {
  it('Markdown holds the verdict, the fix as a json block, the timeline, the evidence and the calls made', async () => {
    const r = await report();
    const md = renderMarkdown(r);
    assert.match(md, /## Verdict: Missing kms:CreateGrant permission/);
    assert.match(md, /`kms-create-grant-not-allowed`\*\*, confidence \*\*high\*\*/);
    const block = md.match(/```json\n([\s\S]*?)\n```/);
    assert.ok(block, 'a json block');
    assert.deepEqual(JSON.parse(block[1]), 'statement' in r.fixes[0] ? r.fixes[0].statement : undefined);
    assert.match(md, /## Timeline[\s\S]*CreateGrant denied/);
    assert.match(md, /### 5\. .*Key policy: FAIL/);
    assert.match(md, new RegExp(`${r.calls.count} call\\(s\\) in ${r.calls.rounds} round\\(s\\)`));
    assert.ok(!md.includes('command:'), 'no command links unless asked');
  });

  it('command links carry URL-encoded JSON arguments for the report commands', async () => {
    const r = await report();
    const links = commandLinks(renderMarkdown(r, { commandLinks: true }));
    const byCommand = new Map(links.map((l) => [l.command, l.args]));
    assert.deepEqual(byCommand.get('ec2LaunchDoctor.openKeyPolicy'), {
      profile: 'dev',
      region: REGION,
      keyArn: KEY_ARN,
      principalArn: USER_ARN,
    });
    assert.deepEqual(byCommand.get('ec2LaunchDoctor.copyStatement'), {
      statement: 'statement' in r.fixes[0] ? r.fixes[0].statement : undefined,
      target: 'key-policy',
    });
    assert.deepEqual(byCommand.get('ec2LaunchDoctor.startInstance'), {
      profile: 'dev',
      region: REGION,
      instanceId: INSTANCE_ID,
    });
    assert.deepEqual(byCommand.get('ec2LaunchDoctor.copyReport'), {
      profile: 'dev',
      region: REGION,
      instanceId: INSTANCE_ID,
    });
  });

  it('offers to enable a disabled key through a link the report trusts', async () => {
    const r = await report(baseWorld({ keys: [key({ state: 'Disabled' })] }));
    assert.equal(r.verdict.code, 'kms-key-disabled');
    const change = commandLinks(renderMarkdown(r, { commandLinks: true })).find(
      (l) => l.command === 'ec2LaunchDoctor.changeKeyState',
    );
    assert.deepEqual(change?.args, { profile: 'dev', keyArn: KEY_ARN, action: 'enable-key' });
  });

  it('reports the AWS API requests the ports counted, apart from the checks', async () => {
    const ports = fakePorts(baseWorld());
    let requests = 7; // requests made before this diagnosis do not count
    const counting = Object.fromEntries(
      Object.entries(ports).map(([name, fn]) => [
        name,
        typeof fn === 'function'
          ? (...args: unknown[]) => ((requests += 2), (fn as (...a: unknown[]) => unknown)(...args))
          : fn,
      ]),
    ) as unknown as typeof ports;
    const r = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      { ...counting, apiCallCount: () => requests },
      { now: () => NOW },
    );
    assert.equal(r.calls.apiRequests, r.calls.count * 2);
    assert.match(renderMarkdown(r), new RegExp(`; ${r.calls.count * 2} AWS API request\\(s\\) in all\\.`));
    const plain = await report();
    assert.equal(plain.calls.apiRequests, undefined, 'ports that do not count leave it out');
  });

  it('keeps links intact when an argument holds parentheses', async () => {
    const r = await report();
    const links = commandLinks(renderMarkdown({ ...r, profile: 'team (prod)' }, { commandLinks: true }));
    assert.equal(links.find((l) => l.command === 'ec2LaunchDoctor.copyReport')?.args.profile, 'team (prod)');
  });

  it('offers Start instance again only for a stopped instance', async () => {
    const running = await report(
      baseWorld({ instance: { ...baseWorld().instance, state: 'running', stateReason: undefined } }),
    );
    const commands = commandLinks(renderMarkdown(running, { commandLinks: true })).map((l) => l.command);
    assert.deepEqual(commands, ['ec2LaunchDoctor.copyReport']);
  });

  it('escapes table cells so evidence cannot break the table or inject HTML', async () => {
    const r = await report(baseWorld({ instance: { ...baseWorld().instance, name: 'a|b <script>' } }));
    const md = renderMarkdown(r);
    assert.match(md, /\| Name \| a\\\|b &lt;script&gt; \|/);
    assert.ok(!md.includes('<script>'));
  });

  it('a key state fix shows the action, with no JSON statement', async () => {
    const md = renderMarkdown(await report(baseWorld({ keys: [key({ state: 'Disabled' })] })), { commandLinks: true });
    assert.match(md, /Change the state of key .*: enable key/);
    assert.ok(!md.includes('```json'));
    assert.ok(!md.includes('ec2LaunchDoctor.copyStatement'));
  });

  it('plain text names the verdict code, each step status and the statement', async () => {
    const r = await report();
    const text = renderText(r);
    assert.match(text, /^Verdict: kms-create-grant-not-allowed \(confidence: high\)$/m);
    assert.match(text, /\[FAIL\] 5\. Key policy:/);
    assert.match(text, /"Action": "kms:CreateGrant"/);
    assert.match(text, /AWS calls: 8 call\(s\) in 3 round\(s\)/);
  });

  it('toJson has the CLI shape: verdict.code, verdict.confidence, steps[] (name, status, evidence) and fix', async () => {
    const r = await report();
    const json = JSON.parse(JSON.stringify(toJson(r))) as ReturnType<typeof toJson>;
    assert.equal(json.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(json.verdict.confidence, 'high');
    assert.deepEqual(
      json.steps.map((s) => [s.name, s.status]),
      r.steps.map((s) => [s.id, s.status]),
    );
    assert.ok(json.steps.every((s) => Array.isArray(s.evidence)));
    assert.equal(json.fix?.target, 'key-policy');
    assert.equal(json.instance.id, INSTANCE_ID);
    assert.equal(json.calls.count, r.calls.count);
  });

  it('toJson gives fix null when there is nothing to change', async () => {
    const running = await report(
      baseWorld({ instance: { ...baseWorld().instance, state: 'running', stateReason: undefined } }),
    );
    assert.equal(toJson(running).fix, null);
    assert.equal(toJson(running).verdict.code, 'not-stopped');
  });
});
