import * as assert from 'node:assert/strict';
import type { AwsFailure, InstanceSummary, ProfileSummary } from '../../../src/core/model';
import { instanceItems, profileItems, regionItems, typedInstanceItem } from '../../../src/vscode/diagnose/pickItems';
import type { ErrorNode, InstanceNode } from '../../../src/vscode/explorer/nodes';
import { errorTooltipMarkdown, instanceTooltipMarkdown, stateReasonText } from '../../../src/vscode/explorer/tooltips';
import { escapeIcons, escapeMarkdown, plainMessage } from '../../../src/vscode/markdown';

/** Strings from AWS (Name tags, state reasons, error messages) meant to render as something else. */
const HOSTILE = [
  '$(warning) prod',
  '$(loading~spin)',
  '\\$(x) already escaped',
  '**bold** _em_ `code` ~~strike~~',
  '[click](command:workbench.action.terminal.new)',
  '![img](https://attacker.example/p.png)',
  '<img src=x onerror=alert(1)> <b>html</b> &lt;',
  '# heading | table | cell',
  'line one\nline two\r\n- list',
  'back\\slash\\',
];

/** VS Code's theme icon syntax; a match without the leading backslash renders as an icon. */
const ICON = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;

/** Markdown's backslash escapes undone: what the renderer shows as text. */
function unescapeMarkdown(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Fails unless every Markdown-significant character of `escaped` is backslash-escaped. */
function assertInert(escaped: string, what: string): void {
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i];
    if (c === '\\') {
      assert.match(escaped[i + 1] ?? '', /[!-/:-@[-`{-~]/, `${what}: a lone backslash at ${i} in ${escaped}`);
      i++;
    } else {
      assert.doesNotMatch(c, /[\\`*_{}[\]()#+!|<>~&\n\r]/, `${what}: unescaped ${JSON.stringify(c)} in ${escaped}`);
    }
  }
}

/** The icons a rendering of this Markdown (theme icons on) would draw. */
function renderedIcons(markdown: string): string[] {
  return [...unescapeMarkdown(markdown).matchAll(ICON)].filter((m) => !m[1]).map((m) => m[2]);
}

function instanceNode(overrides: Partial<InstanceSummary>): InstanceNode {
  return {
    type: 'instance',
    profile: 'dev',
    region: 'eu-west-1',
    instance: { id: 'i-0123456789abcdef0', region: 'eu-west-1', state: 'running', blockDevices: [], ...overrides },
  };
}

describe('text from AWS rendered in the editor', () => {
  it('escapes every Markdown character, and reads back as the original text', () => {
    for (const text of HOSTILE) {
      const escaped = escapeMarkdown(text);
      assertInert(escaped, text);
      assert.equal(unescapeMarkdown(escaped), text.replace(/\r?\n/g, ' '));
    }
  });

  it('shows a Name tag in the instance tooltip as typed: no icon, link, image or markup of its own', () => {
    for (const name of HOSTILE) {
      const md = instanceTooltipMarkdown(
        instanceNode({
          name,
          instanceType: name,
          stateTransitionReason: name,
          stateReason: { code: name, message: name },
        }),
      );
      assert.deepEqual(renderedIcons(md), [], `${JSON.stringify(name)} -> ${md}`);
      const rows = md.split('\n').filter((line) => line.startsWith('- '));
      for (const row of rows) assertInert(row.slice(row.indexOf(': ') + 2), `row of ${JSON.stringify(name)}`);
      assert.ok(md.startsWith('**'), md);
      assertInert(md.slice(2, md.indexOf('** ')), `title of ${JSON.stringify(name)}`);
    }
  });

  it('keeps the tooltip’s own warning sign for an instance stopped at launch', () => {
    const md = instanceTooltipMarkdown(
      instanceNode({
        name: '$(check) fine',
        state: 'stopped',
        stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
      }),
    );
    assert.deepEqual(renderedIcons(md), ['warning']);
  });

  it('escapes the failure message and next step of an error node tooltip', () => {
    for (const text of HOSTILE) {
      const failure: AwsFailure = {
        kind: 'access-denied',
        message: text,
        nextStep: text,
        action: 'ec2:DescribeInstances',
      };
      const node: ErrorNode = { type: 'error', profile: 'dev', sso: false, region: 'eu-west-1', failure };
      const md = errorTooltipMarkdown(node);
      const [, message, next] = md.split('\n\n');
      assertInert(message, `message ${JSON.stringify(text)}`);
      assertInert(next.replace(/^\*Next step:\* /, ''), `next step ${JSON.stringify(text)}`);
      assert.doesNotMatch(md, /\n- /, 'no list made by the data');
    }
  });

  it('escapes $( in every quick pick label and description built from AWS or the config files', () => {
    for (const text of HOSTILE) {
      const profiles = profileItems([
        { name: text, signIn: 'static-keys', accountId: '111122223333', region: text } as ProfileSummary,
      ]);
      const regions = regionItems([text, 'eu-west-1'], 'eu-west-1');
      const instances = instanceItems([
        {
          id: 'i-0123456789abcdef0',
          region: 'eu-west-1',
          state: 'stopped',
          blockDevices: [],
          name: text,
          stateReason: { code: text, message: text },
        },
      ]);
      for (const item of [...profiles, ...regions, ...instances, typedInstanceItem(text)]) {
        for (const field of [item.label, item.description ?? '']) {
          const icons = [...field.matchAll(ICON)].filter((m) => !m[1]);
          assert.deepEqual(icons, [], `${JSON.stringify(text)} -> ${field}`);
        }
      }
      // The values the command goes on with are the originals, not the escaped labels.
      assert.equal(profiles[0].profile, text);
      assert.equal(regions.find((r) => r.region === text)?.region, text);
      assert.equal(instances[0].name, text);
    }
  });

  it('marks instances stopped at launch with the pick’s own icon, and lists them first', () => {
    const items = instanceItems([
      { id: 'i-0000000000000000a', region: 'r', state: 'running', blockDevices: [], name: 'a' },
      {
        id: 'i-0000000000000000b',
        region: 'r',
        state: 'stopped',
        blockDevices: [],
        name: '$(pass) b',
        stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
      },
    ]);
    // Each group under its own heading, with its count; the headings are never picked.
    assert.deepEqual(
      items.filter((i) => i.separator).map((i) => [i.label, i.pickable]),
      [
        ['Stopped at launch (1)', false],
        ['Other instances (1)', false],
      ],
    );
    const instances = items.filter((i) => !i.separator);
    assert.equal(instances[0].instanceId, 'i-0000000000000000b');
    assert.deepEqual(
      [...instances[0].label.matchAll(ICON)].filter((m) => !m[1]).map((m) => m[2]),
      ['warning'],
    );
  });

  it('escapes an already escaped icon so that it still reads as typed', () => {
    assert.equal(escapeIcons('\\$(x)'), '\\\\$(x)');
    assert.equal(escapeIcons('a $(b) $(c'), 'a \\$(b) \\$(c');
  });

  it('keeps links out of notification messages', () => {
    assert.equal(plainMessage('Start [x](command:evil) (i-1)?'), 'Start [x] (command:evil) (i-1)?');
    assert.equal(plainMessage('no links here (ok)'), 'no links here (ok)');
  });
});

describe('state reasons in tooltips', () => {
  it('say the code once', () => {
    const text = (code: string, message: string) => stateReasonText({ code, message });
    assert.equal(
      text('Client.InternalError', 'Client.InternalError: Client error on launch'),
      'Client.InternalError: Client error on launch',
    );
    assert.equal(text('Client.InternalError', 'Client.InternalError'), 'Client.InternalError');
    assert.equal(text('Client.InternalError', ''), 'Client.InternalError');
    assert.equal(
      text('Server.InsufficientInstanceCapacity', 'Insufficient capacity.'),
      'Server.InsufficientInstanceCapacity: Insufficient capacity.',
    );
  });
});

describe('the expired SSO session tooltip', () => {
  const node = (sso: boolean) =>
    ({
      type: 'error',
      profile: 'p',
      sso,
      failure: { kind: 'expired-credentials', message: 'expired', nextStep: 'Run: aws sso login --profile p' },
    }) as never;
  it('says that aws sso login needs AWS CLI version 2, for SSO profiles only', () => {
    assert.match(errorTooltipMarkdown(node(true)), /`aws sso login` needs AWS CLI version 2\.$/);
    assert.doesNotMatch(errorTooltipMarkdown(node(false)), /CLI version 2/);
  });
});

describe('region items of the Diagnose pick', () => {
  it('carry the counts the tree listed, beside "profile default"', () => {
    const items = regionItems(
      ['us-east-1', 'eu-west-1'],
      'eu-west-1',
      new Map([['eu-west-1', '13 instances, 7 stopped at launch']]),
    );
    assert.deepEqual(
      items.map((i) => [i.region, i.description]),
      [
        ['eu-west-1', '13 instances, 7 stopped at launch · profile default'],
        ['us-east-1', undefined],
      ],
    );
  });
});
