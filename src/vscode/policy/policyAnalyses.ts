import * as vscode from 'vscode';
import { analysisFailedFinding, analyzePolicyText, MAX_ANALYZED_TEXT_LENGTH, type Finding } from '../../core/policy';
import type { Logger } from '../log';
import { formattingFor } from './editorText';
import { loadFormats } from './formatsBridge';
import { policyFormatOf } from './policyDocuments';

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
  constructor(
    private readonly principals: (document: vscode.TextDocument) => string[],
    private readonly log?: Pick<Logger, 'error'>,
    /** For a live key policy: the key's own region (kms:ViaService) and account. */
    private readonly keyContext: (document: vscode.TextDocument) => {
      region?: string;
      keyAccount?: string;
    } = () => ({}),
  ) {}

  /**
   * Analyzes the document as it is now and keeps the result. An exception of the analyzer
   * is logged and shown as an `analysis-failed` diagnostic, never as "nothing to report".
   */
  analyze(document: vscode.TextDocument): DocumentAnalysis {
    let findings: Finding[];
    try {
      const options = {
        principals: this.principals(document),
        ...this.keyContext(document),
        formatting: formattingFor(document),
        // The analysis runs on the extension host's thread: a huge file must not freeze it.
        maxLength: MAX_ANALYZED_TEXT_LENGTH,
      };
      const format = policyFormatOf(document) ?? 'json';
      findings =
        format === 'json'
          ? analyzePolicyText(document.getText(), options).findings
          : loadFormats().analyzeSourceText(document.getText(), format, options).findings;
    } catch (error) {
      this.log?.error(
        `Policy analysis of ${document.uri.toString()} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      findings = [analysisFailedFinding('internal error (details in the output channel "EC2 Launch Doctor").')];
    }
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
