import * as vscode from 'vscode';
import type { PolicyAnalyses } from './policyAnalyses';
import { toRange } from './editorText';

/** Explains, on a flagged statement, what the analyzer concluded for each principal. */
export class PolicyHover implements vscode.HoverProvider {
  constructor(private readonly analyses: PolicyAnalyses) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.analyses.current(document);
    const findings =
      analysis?.findings.filter((f) => f.details?.length && toRange(document, f.range).contains(position)) ?? [];
    if (findings.length === 0) return undefined;
    const markdown = new vscode.MarkdownString();
    for (const finding of findings) {
      markdown.appendMarkdown('**EC2 Launch Doctor** ');
      markdown.appendMarkdown(`\`${finding.code}\`\n\n`);
      for (const line of finding.details ?? []) {
        markdown.appendMarkdown('- ');
        markdown.appendText(line);
        markdown.appendMarkdown('\n');
      }
      markdown.appendMarkdown('\n');
    }
    return new vscode.Hover(markdown, toRange(document, findings[0].range));
  }
}
