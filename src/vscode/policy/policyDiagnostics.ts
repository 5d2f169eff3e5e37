import * as vscode from 'vscode';
import type { Finding } from '../../core/policy';
import { toRange } from './editorText';
import { helpUri } from './findingHelpPages';
import type { PolicyAnalyses } from './policyAnalyses';
import { DIAGNOSTIC_SOURCE, isPolicyCandidate } from './policyDocuments';

const DEBOUNCE_MS = 250;

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/**
 * Keeps the Problems of every open JSON document that is a policy up to date: analyzed on open,
 * re-analyzed as the person types (debounced; only the latest version is published), cleared
 * on close.
 */
export class PolicyDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ec2LaunchDoctor');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly analyses: PolicyAnalyses) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.refresh(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      // Terraform's parser loads on the first .tf document: analyze them again once it is there.
      analyses.onDidLoadFormat(() => this.refreshAll()),
    );
    for (const document of vscode.workspace.textDocuments) this.refresh(document);
  }

  /** Re-analyzes every open document, e.g. after the principals setting changed. */
  refreshAll(): void {
    for (const document of vscode.workspace.textDocuments) this.refresh(document);
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isPolicyCandidate(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.refresh(document);
      }, DEBOUNCE_MS),
    );
  }

  /** Analyzes the document now and publishes its diagnostics. */
  refresh(document: vscode.TextDocument): void {
    if (!isPolicyCandidate(document) || document.isClosed) return;
    const analysis = this.analyses.analyze(document);
    this.collection.set(
      document.uri,
      analysis.findings.map((f) => toDiagnostic(document, f)),
    );
  }

  private clear(uri: vscode.Uri): void {
    clearTimeout(this.timers.get(uri.toString()));
    this.timers.delete(uri.toString());
    this.collection.delete(uri);
    this.analyses.forget(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }
}

function toDiagnostic(document: vscode.TextDocument, finding: Finding): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(
    toRange(document, finding.range),
    finding.message,
    SEVERITY[finding.severity],
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.code, target: helpUri(finding.code) };
  return diagnostic;
}
