/**
 * `ec2-launch-doctor lsp --stdio` (the built dist/cli.js) spoken to by a Language Server
 * Protocol client over JSON-RPC: diagnostics, a quick fix applied, the finding gone, hovers,
 * and documents that are not policies (or not JSON at all) never stopping the server.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  Hover,
  InitializeResult,
  PublishDiagnosticsParams,
  TextEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const URI = 'file:///project/keys/app-key-policy.json';
const ROLE = 'arn:aws:iam::111122223333:role/App';

/** A key policy whose key user may encrypt but not have EC2 create the grant. */
const POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Allow use of the key',
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
    ],
  },
  null,
  2,
);

interface Server {
  child: ChildProcessWithoutNullStreams;
  connection: MessageConnection;
  stderr: string[];
  /** The next diagnostics published for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
}

function startServer(): Server {
  const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const published: PublishDiagnosticsParams[] = [];
  const waiting: {
    uri: string;
    accept: (p: PublishDiagnosticsParams) => boolean;
    resolve: (p: PublishDiagnosticsParams) => void;
  }[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    const i = waiting.findIndex((w) => w.uri === params.uri && w.accept(params));
    if (i >= 0) waiting.splice(i, 1)[0].resolve(params);
    else published.push(params);
  });
  connection.listen();
  return {
    child,
    connection,
    stderr,
    diagnostics: (uri, accept = () => true) => {
      const i = published.findIndex((p) => p.uri === uri && accept(p));
      if (i >= 0) return Promise.resolve(published.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no diagnostics for ${uri}; stderr: ${stderr.join('')}`)),
          15_000,
        );
        waiting.push({
          uri,
          accept,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
  };
}

/** Applies an LSP WorkspaceEdit's edits for one document, as a client would. */
function applyWorkspaceEdit(text: string, uri: string, action: CodeAction): string {
  const edits: TextEdit[] = action.edit?.changes?.[uri] ?? [];
  assert.ok(edits.length > 0, `"${action.title}" edits the document`);
  return TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, text), edits);
}

describe('ec2-launch-doctor lsp --stdio', function () {
  this.timeout(60_000);
  let server: Server;

  before(async () => {
    server = startServer();
    const result = await server.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: 'file:///project',
      capabilities: {},
      initializationOptions: { principals: [] },
    });
    assert.equal(result.serverInfo?.name, 'ec2-launch-doctor');
    assert.ok(result.capabilities.hoverProvider);
    assert.ok(result.capabilities.codeActionProvider);
    await server.connection.sendNotification('initialized', {});
  });

  after(async () => {
    if (!server) return;
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    await server.connection.sendRequest('shutdown');
    await server.connection.sendNotification('exit');
    assert.equal(await exited, 0, 'exit after shutdown ends the server with 0');
    server.connection.dispose();
  });

  it('publishes the finding, offers its quick fix, and the applied fix clears it; hovers explain it', async () => {
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: URI, languageId: 'json', version: 1, text: POLICY },
    });
    const first = await server.diagnostics(URI);
    assert.equal(first.version, 1);
    assert.deepEqual(
      first.diagnostics.map((d) => [d.code, d.severity, d.source]),
      [['missing-create-grant', 2, 'ec2-launch-doctor']],
    );
    const [diagnostic] = first.diagnostics;
    const message = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    assert.match(message, /role\/App may use this key/);
    const doc = TextDocument.create(URI, 'json', 1, POLICY);
    assert.match(
      POLICY.slice(doc.offsetAt(diagnostic.range.start), doc.offsetAt(diagnostic.range.end)),
      /^\{\s*"Sid": "Allow use of the key"/,
    );

    const hover = await server.connection.sendRequest<Hover | null>('textDocument/hover', {
      textDocument: { uri: URI },
      position: { line: diagnostic.range.start.line + 1, character: 8 },
    });
    const contents =
      hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(contents, /`missing-create-grant`/);
    assert.match(contents, /arn:aws:iam::111122223333:role\/App/);
    assert.match(contents, /Client\.InternalError/, 'the explanation is in the hover');

    const actions = await server.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
    const preferred = actions.find((a) => a.isPreferred);
    assert.ok(preferred, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(preferred.kind, 'quickfix');
    assert.match(preferred.title, /Add statement "AllowEC2GrantsForEncryptedVolumes"/);
    assert.equal(preferred.diagnostics?.[0].code, 'missing-create-grant');
    const fixed = applyWorkspaceEdit(POLICY, URI, preferred);
    assert.match(fixed, /"kms:GrantIsForAWSResource": true/);

    await server.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: URI, version: 2 },
      contentChanges: [{ text: fixed }],
    });
    const second = await server.diagnostics(URI, (p) => p.version === 2);
    assert.deepEqual(second.diagnostics, [], 'the fix leaves nothing to report');
    const none = await server.connection.sendRequest<Hover | null>('textDocument/hover', {
      textDocument: { uri: URI },
      position: diagnostic.range.start,
    });
    assert.equal(none, null);
  });

  it('Terraform and YAML documents get the same findings and fixes, through the same analyzer', async () => {
    const iac = path.resolve(__dirname, '..', 'fixtures', 'iac');
    for (const [name, languageId] of [
      ['key-jsonencode.tf', 'terraform'],
      ['console-default-key.template.yaml', 'yaml'],
    ]) {
      const uri = `file:///project/infra/${name}`;
      const text = readFileSync(path.join(iac, name), 'utf8');
      await server.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId, version: 1, text },
      });
      const published = await server.diagnostics(uri);
      assert.ok(published.diagnostics.length > 0, name);
      const [diagnostic] = published.diagnostics;
      const actions = await server.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      });
      assert.ok(actions.length > 0, `${name}: a quick fix`);
      const fixed = applyWorkspaceEdit(text, uri, actions[0]);
      await server.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: fixed }],
      });
      const after = await server.diagnostics(uri, (p) => p.version === 2);
      assert.ok(
        !after.diagnostics.some((d) => d.code === diagnostic.code),
        `${name}: ${String(diagnostic.code)} is fixed`,
      );
    }
  });

  it('a setting from the client re-analyzes open documents (principals checked by name)', async () => {
    const uri = 'file:///project/keys/other.json';
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'json', version: 1, text: POLICY },
    });
    await server.diagnostics(uri);
    await server.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { ec2LaunchDoctor: { principals: ['arn:aws:iam::111122223333:user/bob'] } },
    });
    const again = await server.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'principal-relies-on-iam'));
    assert.ok(again.diagnostics.some((d) => d.code === 'missing-create-grant'));
    await server.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { ec2LaunchDoctor: { principals: [] } },
    });
    await server.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'principal-relies-on-iam'));
  });

  it('malformed, hostile and foreign documents get an answer and never stop the server', async () => {
    const cases: [string, string, string][] = [
      ['file:///project/broken.json', 'json', '{"Statement": [{"Effect": "Allow", "Principal": '],
      ['file:///project/deep.json', 'json', `${'['.repeat(100_000)}`],
      ['file:///project/notes.txt', 'plaintext', 'not a policy at all'],
      ['file:///project/template.yaml', 'yaml', 'Resources:\n  Key: [unclosed\n\t- :'],
      ['file:///project/main.tf', 'terraform', 'resource "aws_kms_key" "k" {\n  policy = jsonencode({ Statement = [ {'],
      ['file:///project/control.json', 'json', '{"Statement": "\u0000\u202e\u001b[31m"}'],
    ];
    for (const [uri, languageId, text] of cases) {
      await server.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId, version: 1, text },
      });
      const published = await server.diagnostics(uri);
      for (const d of published.diagnostics) assert.equal(typeof d.message, 'string');
      await server.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } },
        context: { diagnostics: [] },
      });
      await server.connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: 0, character: 1 },
      });
    }
    const deep = cases[1][0];
    await server.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: `${deep}#again`, languageId: 'json', version: 1, text: '{' },
    });
    // Requests for documents the server never saw, and positions outside a document, answer too.
    assert.deepEqual(
      await server.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: 'file:///nowhere.json' },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      }),
      [],
    );
    assert.equal(
      await server.connection.sendRequest('textDocument/hover', {
        textDocument: { uri: URI },
        position: { line: 10_000, character: 10_000 },
      }),
      null,
    );
    assert.equal(server.child.exitCode, null, 'still running');
  });
});

describe('ec2-launch-doctor lsp --stdio on a broken stream', function () {
  this.timeout(60_000);

  it('a message that is not JSON does not stop it: the next request is answered', async () => {
    const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: 'pipe' });
    try {
      const garbage = '{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {';
      child.stdin.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
      const connection = createMessageConnection(
        new StreamMessageReader(child.stdout),
        new StreamMessageWriter(child.stdin),
      );
      connection.listen();
      const result = await connection.sendRequest<InitializeResult>('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: {},
      });
      assert.equal(result.serverInfo?.name, 'ec2-launch-doctor');
      connection.dispose();
    } finally {
      child.kill();
    }
  });

  it('lsp without --stdio is a usage error (exit 2), not a server on some other transport', async () => {
    const child = spawn(process.execPath, [CLI, 'lsp'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /usage: ec2-launch-doctor lsp --stdio/);
  });
});
