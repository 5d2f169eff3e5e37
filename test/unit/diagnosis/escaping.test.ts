import * as assert from 'node:assert/strict';
import {
  diagnoseInstance,
  jsonText,
  renderMarkdown,
  renderText,
  toJson,
  type DiagnosisReport,
} from '../../../src/core/diagnosis';
import { inertJson, markdownCode, markdownFence, markdownText, oneLine } from '../../../src/core/diagnosis/escape';
import {
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  REGION,
  USER_ARN,
  baseWorld,
  deniedGrant,
  fakePorts,
  key,
  type World,
} from './fakes';

/** Values as anyone who may tag an instance, name an alias or call KMS could write them. */
const HOSTILE = {
  lineBreaks: 'web\r# Heading\u2028- item\u2029> quote\nline\u0085end\r\n---',
  urls: 'see https://evil.example/x, www.evil.example, a@evil.example and //evil.example',
  backticks: 'a`b``c',
  html: '<img src=x onerror=alert(1)> [run](command:ec2LaunchDoctor.changeKeyState?%5B%7B%7D%5D) <command:x> &lt;b&gt;',
  terminal: '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil',
};

describe('escaping values for each place they are shown', () => {
  it('oneLine turns every line break into a space and every other control into U+FFFD', () => {
    assert.equal(oneLine(HOSTILE.lineBreaks), 'web # Heading - item > quote line end ---');
    assert.equal(oneLine(HOSTILE.terminal), '\uFFFD]0;pwned\uFFFD\uFFFD[2J\uFFFD31m\uFFFDevil');
    assert.equal(oneLine('a\tb\u000bc\u000cd'), 'a b c d');
  });

  it('markdownText keeps a value inside its paragraph or cell: no block, emphasis, link, autolink or HTML', () => {
    assert.equal(markdownText(HOSTILE.lineBreaks), 'web # Heading - item &gt; quote line end ---');
    assert.equal(
      markdownText(HOSTILE.urls),
      'see https:\\/\\/evil.example/x, www\\.evil.example, a\\@evil.example and \\/\\/evil.example',
    );
    assert.equal(markdownText(HOSTILE.backticks), 'a\\`b\\`\\`c');
    assert.equal(
      markdownText(HOSTILE.html),
      '&lt;img src=x onerror=alert(1)&gt; \\[run\\](command:ec2LaunchDoctor.changeKeyState?%5B%7B%7D%5D) &lt;command:x&gt; &amp;lt;b&amp;gt;',
    );
    assert.equal(markdownText('a|b *c* _d_ ~e~ \\f'), 'a\\|b \\*c\\* \\_d\\_ \\~e\\~ \\\\f');
  });

  it('markdownText escapes a block marker at the start of the text', () => {
    assert.equal(markdownText('# title'), '\\# title');
    assert.equal(markdownText('- item'), '\\- item');
    assert.equal(markdownText('+ item'), '\\+ item');
    assert.equal(markdownText('=== setext'), '\\=== setext');
    assert.equal(markdownText('> quote'), '&gt; quote');
    assert.equal(markdownText('12. ordered'), '12\\. ordered');
    assert.equal(markdownText('3) ordered'), '3\\) ordered');
    assert.equal(markdownText('    indented code'), '&#32;   indented code');
    assert.equal(markdownText('v1.2 is fine'), 'v1.2 is fine');
  });

  it('markdownCode uses a fence longer than any backtick run and pads a value that starts or ends with one', () => {
    assert.equal(markdownCode(HOSTILE.backticks), '```a`b``c```');
    assert.equal(markdownCode('`x`'), '`` `x` ``');
    assert.equal(markdownCode(' both '), '`  both  `');
    assert.equal(markdownCode('plain'), '`plain`');
    assert.equal(markdownCode(''), '` `');
    assert.equal(markdownCode(HOSTILE.lineBreaks), '`web # Heading - item > quote line end ---`');
    assert.equal(markdownCode(HOSTILE.terminal), '`\uFFFD]0;pwned\uFFFD\uFFFD[2J\uFFFD31m\uFFFDevil`');
  });

  it('markdownFence picks a fence no line of the content can close', () => {
    assert.deepEqual(markdownFence('{}', 'json'), ['```json', '{}', '```']);
    assert.deepEqual(markdownFence('a\n````\nb', 'json'), ['`````json', 'a\n````\nb', '`````']);
  });

  it('inertJson writes controls, separators and bidi overrides as escapes that parse back to the same value', () => {
    const value = { name: `x${HOSTILE.terminal}\u2028\u2029\u007f` };
    const text = inertJson(value);
    assert.equal(text, '{"name":"x\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil\\u2028\\u2029\\u007f"}');
    assert.deepEqual(JSON.parse(text), value);
  });
});

/** The `command:` targets a Markdown engine could read as links: outside escapes and code spans. */
function liveCommandLinks(md: string): string[] {
  const live = md.replace(/\\./g, '').replace(/(`+)[\s\S]*?\1/g, '');
  return [...live.matchAll(/\]\((command:[^)?]*)/g)].map((m) => m[1]);
}

async function report(world: World, profile = 'dev'): Promise<DiagnosisReport> {
  return diagnoseInstance({ instanceId: INSTANCE_ID, profile, region: REGION }, fakePorts(world), { now: () => NOW });
}

/** A world whose Name tag, alias, state reason and CloudTrail fields carry `value`. */
function hostileWorld(value: string): World {
  const base = baseWorld();
  return baseWorld({
    instance: {
      ...base.instance,
      name: value,
      stateReason: { code: 'Client.InternalError', message: `Client.InternalError: ${value}` },
    },
    keys: [key({ aliases: [`alias/${value}`] })],
    events: [
      deniedGrant({
        errorMessage: `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} ${value}`,
      }),
    ],
  });
}

describe('hostile values through every renderer', () => {
  for (const [kind, value] of Object.entries(HOSTILE)) {
    it(`Markdown: ${kind} in a Name tag, alias, state reason and CloudTrail message changes no structure`, async () => {
      const benign = renderMarkdown(await report(hostileWorld('web-1')), { commandLinks: true });
      const hostile = renderMarkdown(await report(hostileWorld(value)), { commandLinks: true });
      const shape = (md: string) => md.split('\n').map((line) => line.slice(0, 2));
      assert.deepEqual(shape(hostile), shape(benign), 'the same lines, each opening the same kind of block');
      assert.deepEqual(liveCommandLinks(hostile), liveCommandLinks(benign), 'no command link from data');
      const text = markdownText(value);
      assert.ok(hostile.includes(`# Why \`${INSTANCE_ID}\` (${text}) stopped`));
      assert.ok(hostile.includes(`| Name | ${text} |`));
      assert.ok(hostile.includes(`| StateReason message | Client.InternalError: ${text} |`));
      assert.ok(hostile.includes(markdownText(`aliases alias/${value}`)));
      for (const raw of ['<img', '<command', '\r', '\u2028', '\u2029', '\u001b', '\u0007', '\u009b', '\u202e'])
        assert.ok(!hostile.includes(raw), JSON.stringify(raw));
    });

    it(`text: ${kind} in a Name tag, alias, state reason and CloudTrail message stays on its line, with no control`, async () => {
      const benign = renderText(await report(hostileWorld('web-1')));
      const hostile = renderText(await report(hostileWorld(value)));
      assert.equal(hostile.split('\n').length, benign.split('\n').length);
      assert.equal(
        hostile.split('\n')[0],
        `EC2 Launch Doctor: ${INSTANCE_ID} (${oneLine(value)}) in ${REGION}, profile dev`,
      );
      assert.ok(hostile.includes(`      - Name: ${oneLine(value)}\n`));
      // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
      assert.doesNotMatch(hostile, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    });
  }

  it('JSON text: the same value as toJson, with no raw control, separator or bidi character', async () => {
    const r = await report(hostileWorld(`${HOSTILE.terminal}\u2028${HOSTILE.lineBreaks}`));
    const text = jsonText(r);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(toJson(r))));
    assert.ok(text.includes('"name": "\\u001b]0;pwned\\u0007'));
  });

  it('a principal ARN with backticks and line breaks stays inside its code span and its JSON block', async () => {
    const odd = `arn:aws:iam::111122223333:user/a\`\`b\n# x`;
    // With the key policy unreadable, the fix names the principal in both places.
    const md = renderMarkdown(
      await report(baseWorld({ keyPolicies: {}, events: [deniedGrant({ userArn: odd, errorMessage: undefined })] })),
    );
    assert.ok(
      md.includes(
        '### Add to an IAM policy of ```arn:aws:iam::111122223333:user/a``b # x``` (for key `' + KEY_ARN + '`)',
      ),
    );
    const fence = md.match(/^(`{3,})json\n([\s\S]*?)\n\1$/m);
    assert.ok(fence, 'a closed json block');
    assert.ok(
      JSON.stringify(JSON.parse(fence[2])).includes(JSON.stringify(odd)),
      'the statement names the principal exactly',
    );
    assert.ok(!md.split('\n').includes('# x'));
  });

  it('a profile name cannot break the command links or the heading', async () => {
    const md = renderMarkdown(await report(baseWorld(), 'x) [y](command:z'), { commandLinks: true });
    assert.ok(md.includes('Profile `x) [y](command:z`, Region'));
    assert.deepEqual(liveCommandLinks(md), [
      'command:ec2LaunchDoctor.openKeyPolicy',
      'command:ec2LaunchDoctor.copyStatement',
      'command:ec2LaunchDoctor.startInstance',
      'command:ec2LaunchDoctor.copyReport',
    ]);
  });
});
