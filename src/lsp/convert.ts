/**
 * The analyzer's findings in the Language Server Protocol's terms: diagnostics, quick fixes
 * and hovers. Pure (no connection): the server (server.ts) sends what these return.
 */
import {
  CodeActionKind,
  DiagnosticSeverity,
  MarkupKind,
  type CodeAction,
  type Diagnostic,
  type Hover,
  type Range,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { FINDING_HELP } from '../core/findingHelp';
import type { Finding, Severity } from '../core/policy';

/** The `source` of every diagnostic, as editors show it next to the message. */
export const DIAGNOSTIC_SOURCE = 'ec2-launch-doctor';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** The range of `length` characters at `offset` (clamped into the document by `positionAt`). */
export function rangeOf(document: TextDocument, offset: number, length: number): Range {
  return { start: document.positionAt(offset), end: document.positionAt(offset + length) };
}

/** A finding as a diagnostic; `data.index` finds it again when the client asks for its fixes. */
export function toDiagnostic(document: TextDocument, finding: Finding, index: number): Diagnostic {
  return {
    range: rangeOf(document, finding.range.offset, finding.range.length),
    severity: SEVERITY[finding.severity],
    code: finding.code,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data: { index },
  };
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']): boolean =>
    p.line < q.line || (p.line === q.line && p.character < q.character);
  // Touching counts: a cursor at the end of a statement still offers its fixes.
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/**
 * The quick fixes of the findings overlapping `range`, each a WorkspaceEdit on the document.
 * The edits are the analyzer's own, made against `document` (the version it analyzed).
 */
export function codeActionsFor(document: TextDocument, findings: readonly Finding[], range: Range): CodeAction[] {
  const actions: CodeAction[] = [];
  findings.forEach((finding, index) => {
    const diagnostic = toDiagnostic(document, finding, index);
    if (!overlaps(diagnostic.range, range)) return;
    for (const fix of finding.fixes) {
      const action: CodeAction = {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: {
          changes: {
            [document.uri]: fix.edits.map((e) => ({
              range: rangeOf(document, e.offset, e.length),
              newText: e.content,
            })),
          },
        },
      };
      if (fix.isPreferred) action.isPreferred = true;
      actions.push(action);
    }
  });
  return actions;
}

/** Markdown's special characters escaped: text from the file is shown, never interpreted. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/**
 * The hover at `offset`: for each finding there, its code and title, what it says per
 * principal (or its message), and its explanation.
 */
export function hoverAt(document: TextDocument, findings: readonly Finding[], offset: number): Hover | undefined {
  const here = findings.filter((f) => f.range.offset <= offset && offset <= f.range.offset + f.range.length);
  if (here.length === 0) return undefined;
  const parts = here.map((finding) => {
    const help = FINDING_HELP[finding.code];
    const lines = finding.details && finding.details.length > 0 ? finding.details : [finding.message];
    return [
      `**EC2 Launch Doctor** \`${finding.code}\`: ${escapeMarkdown(help.title)}`,
      '',
      ...lines.map((line) => `- ${escapeMarkdown(line)}`),
      '',
      help.markdown,
    ].join('\n');
  });
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') },
    range: rangeOf(document, here[0].range.offset, here[0].range.length),
  };
}
