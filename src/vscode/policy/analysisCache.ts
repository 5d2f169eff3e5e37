import * as vscode from 'vscode';
import { analyzePolicyText, type Finding } from '../../core/policy';

/** The analysis of one document version; quick fixes act only while the version still matches. */
export interface DocumentAnalysis {
  uri: string;
  version: number;
  findings: Finding[];
}

export const DIAGNOSTIC_SOURCE = 'EC2 Launch Doctor';

/** Languages whose documents may be policies; the content decides whether they are. */
export const POLICY_LANGUAGES = ['json', 'jsonc'];

/** Analyzes documents and remembers the latest analysis per document. */
export class PolicyAnalyses {
  private readonly byUri = new Map<string, DocumentAnalysis>();

  /** `principals` names who the diagnostics check for in a document (settings plus, for a
   * key policy opened from a diagnosis, the diagnosed principal). */
  constructor(private readonly principals: (document: vscode.TextDocument) => string[]) {}

  /** Analyzes the document as it is now and keeps the result. */
  analyze(document: vscode.TextDocument): DocumentAnalysis {
    const options = formattingFor(document);
    const { findings } = analyzePolicyText(document.getText(), {
      principals: this.principals(document),
      formatting: options,
    });
    const analysis = { uri: document.uri.toString(), version: document.version, findings };
    this.byUri.set(analysis.uri, analysis);
    return analysis;
  }

  /** The analysis of exactly this version of the document, if there is one. */
  current(document: vscode.TextDocument): DocumentAnalysis | undefined {
    const analysis = this.byUri.get(document.uri.toString());
    return analysis && analysis.version === document.version ? analysis : undefined;
  }

  forget(uri: vscode.Uri): void {
    this.byUri.delete(uri.toString());
  }
}

/** The document's own indentation and line ending, so inserted statements look native. */
export function formattingFor(document: vscode.TextDocument): { tabSize: number; insertSpaces: boolean; eol: string } {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : detectIndent(document.getText());
  const insertSpaces = typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : !/^\t/m.test(document.getText());
  return { tabSize, insertSpaces, eol: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' };
}

function detectIndent(text: string): number {
  const match = /^( +)\S/m.exec(text);
  return match ? Math.min(match[1].length, 8) : 2;
}

/** Converts an offset range of the core into an editor range. */
export function toRange(document: vscode.TextDocument, range: { offset: number; length: number }): vscode.Range {
  return new vscode.Range(document.positionAt(range.offset), document.positionAt(range.offset + range.length));
}
