import * as vscode from 'vscode';
import { analyzePolicyText, type Finding } from '../../core/policy';
import { formattingFor } from './editorText';

/** The analysis of one document version; quick fixes act only while the version still matches. */
export interface DocumentAnalysis {
  uri: string;
  version: number;
  findings: Finding[];
}

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
