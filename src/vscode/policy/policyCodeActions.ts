import * as vscode from 'vscode';
import { escapeMarkdown } from '../markdown';
import { DIAGNOSTIC_SOURCE, POLICY_LANGUAGES, PolicyAnalyses, toRange } from './analysisCache';

/**
 * Quick fixes for the policy findings. They come from the analysis of the document's current
 * version only: an edit made since then could move the offsets the fix was computed for.
 */
export class PolicyCodeActions implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly analyses: PolicyAnalyses) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
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

/** Explains, on a flagged statement, what the analyzer concluded for each principal. */
export class PolicyHover implements vscode.HoverProvider {
  constructor(private readonly analyses: PolicyAnalyses) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.analyses.current(document);
    const findings = analysis?.findings.filter((f) => f.details?.length && toRange(document, f.range).contains(position)) ?? [];
    if (findings.length === 0) return undefined;
    const markdown = new vscode.MarkdownString();
    for (const finding of findings) {
      markdown.appendMarkdown(`**EC2 Launch Doctor** \`${finding.code}\`\n\n`);
      for (const line of finding.details ?? []) markdown.appendMarkdown(`- ${escapeMarkdown(line)}\n`);
      markdown.appendMarkdown('\n');
    }
    return new vscode.Hover(markdown, toRange(document, findings[0].range));
  }
}


/** Registers the quick fixes and the hover for JSON and JSONC documents of any scheme. */
export function registerPolicyEditorFeatures(analyses: PolicyAnalyses): vscode.Disposable[] {
  const selector = POLICY_LANGUAGES.map((language) => ({ language }));
  return [
    vscode.languages.registerCodeActionsProvider(selector, new PolicyCodeActions(analyses), {
      providedCodeActionKinds: PolicyCodeActions.providedCodeActionKinds,
    }),
    vscode.languages.registerHoverProvider(selector, new PolicyHover(analyses)),
  ];
}
