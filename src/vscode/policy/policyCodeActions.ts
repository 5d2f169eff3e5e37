import * as vscode from 'vscode';
import { toRange } from './editorText';
import type { PolicyAnalyses } from './policyAnalyses';
import { DIAGNOSTIC_SOURCE } from './policyDocuments';

/**
 * Quick fixes for the policy findings. They come from the analysis of the document's current
 * version only: an edit made since then could move the offsets the fix was computed for.
 */
export class PolicyCodeActions implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly analyses: PolicyAnalyses) {}

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const analysis = this.analyses.current(document);
    if (!analysis) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      const finding = analysis.findings.find(
        (f) => f.code === code && toRange(document, f.range).isEqual(diagnostic.range),
      );
      if (!finding || !toRange(document, finding.range).intersection(range)) continue;
      for (const fix of finding.fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.isPreferred = fix.isPreferred === true;
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) {
          edit.replace(document.uri, toRange(document, { offset: e.offset, length: e.length }), e.content);
        }
        action.edit = edit;
        actions.push(action);
      }
    }
    return actions;
  }
}
