import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActionsFor, escapeMarkdown, hoverAt, toDiagnostic } from '../../../src/lsp/convert';
import { readSettings } from '../../../src/lsp/server';
import { analyzePolicyText } from '../../../src/core/policy';

const ROLE = 'arn:aws:iam::111122223333:role/App';
const text = JSON.stringify(
  {
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Grants', Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['kms:CreateGrant'], Resource: '*' },
    ],
  },
  null,
  2,
).replace(/\n/g, '\r\n');
const uri = 'file:///k.json';
const document = TextDocument.create(uri, 'json', 3, text);
const { findings } = analyzePolicyText(text);

describe('language server: findings in LSP terms', () => {
  it('a diagnostic per finding, with code, source, severity and a range over CRLF lines', () => {
    assert.deepEqual(
      findings.map((f) => f.code),
      ['unscoped-create-grant'],
    );
    const d = toDiagnostic(document, findings[0], 0);
    assert.deepEqual(
      [d.code, d.source, d.severity, d.data],
      ['unscoped-create-grant', 'ec2-launch-doctor', 2, { index: 0 }],
    );
    assert.equal(text.slice(document.offsetAt(d.range.start), document.offsetAt(d.range.end)).startsWith('{'), true);
    assert.equal(d.range.start.line, 10);
  });

  it('quick fixes only where the request range meets the finding, applying to the fixed text', () => {
    const d = toDiagnostic(document, findings[0], 0);
    assert.deepEqual(
      codeActionsFor(document, findings, { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }),
      [],
    );
    const [action] = codeActionsFor(document, findings, { start: d.range.end, end: d.range.end });
    assert.equal(action.kind, 'quickfix');
    assert.equal(action.isPreferred, true);
    const fixed = TextDocument.applyEdits(document, action.edit?.changes?.[uri] ?? []);
    assert.deepEqual(analyzePolicyText(fixed).findings, []);
    assert.match(fixed, /\r\n\s+"Condition": \{\r\n/);
  });

  it('hovers carry the per-principal lines escaped, and the explanation', () => {
    const offset = findings[0].range.offset + 2;
    const hover = hoverAt(document, findings, offset);
    const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(value, /`unscoped-create-grant`/);
    assert.match(value, /arn:aws:iam::111122223333:role\/App: may create grants directly/);
    assert.match(value, /kms:GrantIsForAWSResource/);
    assert.equal(hoverAt(document, findings, 0), undefined);
    assert.equal(
      escapeMarkdown('[x](command:evil) <img> `c` *b*'),
      '\\[x\\]\\(command:evil\\) \\<img\\> \\`c\\` \\*b\\*',
    );
  });

  it('reads client settings, ignoring values of the wrong type', () => {
    assert.deepEqual(readSettings({ principals: [ROLE, 3, ''], keyAccount: '111122223333', region: 'eu-west-1' }), {
      principals: [ROLE],
      keyAccount: '111122223333',
      region: 'eu-west-1',
    });
    assert.deepEqual(readSettings({ principals: 'x', keyAccount: 'nope', region: 'Mars' }), { principals: [] });
    assert.deepEqual(readSettings(null), { principals: [] });
  });
});
