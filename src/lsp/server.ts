/**
 * `ec2-launch-doctor lsp --stdio`: the policy diagnostics, quick fixes and hovers of the
 * extension for any editor that speaks the Language Server Protocol. One analyzer serves
 * all: the server calls the entry the CLI's lint uses (`analyzeSource`), so JSON, YAML
 * and Terraform files get the same findings here as in VS Code and in `lint`.
 */
import {
  createConnection,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isAccountId } from '../core/arn';
import { analysisFailedFinding, MAX_ANALYZED_TEXT_LENGTH, type AnalyzeOptions, type Finding } from '../core/policy';
import { analyzeSource, sourceFormatOf } from '../core/policy/formats';
import { codeActionsFor, hoverAt, toDiagnostic } from './convert';

export const LSP_USAGE = 'usage: ec2-launch-doctor lsp --stdio';

/** What the client may set, in `initializationOptions` or under `ec2LaunchDoctor` in its settings. */
export interface ServerSettings {
  /** Principal ARNs checked by name, as the `ec2LaunchDoctor.principals` setting. */
  principals: string[];
  /** The account owning the keys, as `ec2LaunchDoctor.keyAccount`. */
  keyAccount?: string;
  /** EC2's Region for `kms:ViaService`. */
  region?: string;
}

/** The settings in a value from the client: fields of the wrong type are ignored, not trusted. */
export function readSettings(value: unknown): ServerSettings {
  const record = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const principals = Array.isArray(record.principals)
    ? record.principals.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    : [];
  const settings: ServerSettings = { principals };
  if (typeof record.keyAccount === 'string' && isAccountId(record.keyAccount.trim()))
    settings.keyAccount = record.keyAccount.trim();
  if (typeof record.region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(record.region))
    settings.region = record.region;
  return settings;
}

/** The file name in a document URI, for the format choice (a `.yaml`, a `.tf`...). */
function fileNameOf(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

interface Analysis {
  version: number;
  findings: Finding[];
}

/**
 * Wires the analyzer to a connection: diagnostics on open and change, quick fixes and hovers
 * from the analysis of the version the client shows. `log` gets the analyzer's internal
 * errors (stderr for the command: stdout carries the protocol).
 */
export function serveConnection(connection: Connection, log: (message: string) => void): void {
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, Analysis>();
  let settings: ServerSettings = { principals: [] };

  const analyze = async (document: TextDocument): Promise<Finding[]> => {
    const text = document.getText();
    const format = sourceFormatOf(fileNameOf(document.uri), document.languageId, text);
    if (format === undefined) return [];
    const options: AnalyzeOptions = {
      principals: settings.principals,
      region: settings.region,
      keyAccount: settings.keyAccount,
      // Analysis runs on the server's only thread: a huge document must not stall the others.
      maxLength: MAX_ANALYZED_TEXT_LENGTH,
    };
    try {
      return (await analyzeSource(text, format, options)).findings;
    } catch (error) {
      log(
        `analysis of ${document.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return [analysisFailedFinding('internal error (details in the language server log).')];
    }
  };

  const publish = async (document: TextDocument): Promise<void> => {
    const findings = await analyze(document);
    // A newer version arrived meanwhile: its own analysis publishes.
    if (documents.get(document.uri)?.version !== document.version) return;
    analyses.set(document.uri, { version: document.version, findings });
    await connection.sendDiagnostics({
      uri: document.uri,
      version: document.version,
      diagnostics: findings.map((f, i) => toDiagnostic(document, f, i)),
    });
  };
  const publishSafely = (document: TextDocument): void => {
    publish(document).catch((error: unknown) => log(`publishing diagnostics failed: ${String(error)}`));
  };

  /** The findings of exactly the version the client has, or none. */
  const current = (uri: string): { document: TextDocument; findings: Finding[] } | undefined => {
    const document = documents.get(uri);
    const analysis = analyses.get(uri);
    if (!document || !analysis || analysis.version !== document.version) return undefined;
    return { document, findings: analysis.findings };
  };

  connection.onInitialize((params): InitializeResult => {
    settings = readSettings(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        hoverProvider: true,
      },
      serverInfo: { name: 'ec2-launch-doctor' },
    };
  });
  connection.onDidChangeConfiguration((params) => {
    const section = (params.settings as Record<string, unknown> | null)?.ec2LaunchDoctor;
    if (section === undefined) return;
    settings = readSettings(section);
    for (const document of documents.all()) publishSafely(document);
  });
  documents.onDidChangeContent((event) => publishSafely(event.document));
  documents.onDidClose((event) => {
    analyses.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });
  connection.onCodeAction((params) => {
    const found = current(params.textDocument.uri);
    return found ? codeActionsFor(found.document, found.findings, params.range) : [];
  });
  connection.onHover((params) => {
    const found = current(params.textDocument.uri);
    return found ? (hoverAt(found.document, found.findings, found.document.offsetAt(params.position)) ?? null) : null;
  });

  documents.listen(connection);
  connection.listen();
}

/**
 * Runs the server over stdin/stdout until the client says `exit` (the library ends the
 * process then). Returns an exit code only for a usage error.
 */
export function runLanguageServer(args: readonly string[], stderr: (s: string) => void): number | undefined {
  if (args.length !== 1 || args[0] !== '--stdio') {
    stderr(`ec2-launch-doctor lsp: only --stdio is supported\n${LSP_USAGE}\n`);
    return 2;
  }
  const connection = createConnection(process.stdin, process.stdout);
  serveConnection(connection, (message) => stderr(`ec2-launch-doctor lsp: ${message}\n`));
  return undefined;
}
