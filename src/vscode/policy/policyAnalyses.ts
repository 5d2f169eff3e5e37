import * as vscode from 'vscode';
import type { AnalyzeOptions } from '../../core/policy';
import { analysisFailedFinding, type Finding } from '../../core/policy/findings';
import { MAX_ANALYZED_TEXT_LENGTH } from '../../core/policy/limits';
import type { SourceFormat } from '../../core/policy/formats/sourceFormat';
import type { Logger } from '../log';
import { formattingFor } from './editorText';
import { loadFormats } from './formatsBridge';
import { loadPolicy } from './policyBridge';
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
  private readonly loading = new Set<SourceFormat>();
  private readonly loadFailures = new Map<SourceFormat, string>();
  private readonly formatLoaded = new vscode.EventEmitter<void>();
  /** Fires when a parser that loads asynchronously (Terraform's) is ready, or failed to load. */
  readonly onDidLoadFormat = this.formatLoaded.event;

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
          ? loadPolicy().analyzePolicyText(document.getText(), options).findings
          : this.analyzeSource(document.getText(), format, options);
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

  /**
   * YAML and Terraform, read by the lazily loaded formats bundle. Terraform's parser loads
   * asynchronously on the first .tf document: until then it has no findings, and
   * `onDidLoadFormat` fires when it is ready (or failed) so the documents are analyzed again.
   */
  private analyzeSource(text: string, format: SourceFormat, options: AnalyzeOptions): Finding[] {
    const formats = loadFormats();
    if (formats.formatReady(format)) return formats.analyzeSourceText(text, format, options).findings;
    const failure = this.loadFailures.get(format);
    if (failure) return [analysisFailedFinding(`the ${format} parser could not be loaded: ${failure}`)];
    if (!this.loading.has(format)) {
      this.loading.add(format);
      formats.prepareFormat(format).then(
        () => {
          this.loading.delete(format);
          this.formatLoaded.fire();
        },
        (error: unknown) => {
          this.loading.delete(format);
          this.loadFailures.set(format, error instanceof Error ? error.message : String(error));
          this.log?.error(
            `Loading the ${format} parser failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          this.formatLoaded.fire();
        },
      );
    }
    return [];
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
