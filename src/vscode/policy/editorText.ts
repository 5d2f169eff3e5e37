import * as vscode from 'vscode';
import { loadPolicy } from './policyBridge';

/**
 * The document's own indentation and line ending, so inserted statements look native: the
 * editor's settings for the document when it is shown, else what the CLI would detect.
 */
export function formattingFor(document: vscode.TextDocument): { tabSize: number; insertSpaces: boolean; eol: string } {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const detected = loadPolicy().detectFormatting(document.getText());
  const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : detected.tabSize;
  const insertSpaces =
    typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : detected.insertSpaces;
  return { tabSize, insertSpaces, eol: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' };
}

/** Converts an offset range of the core into an editor range. */
export function toRange(document: vscode.TextDocument, range: { offset: number; length: number }): vscode.Range {
  return new vscode.Range(document.positionAt(range.offset), document.positionAt(range.offset + range.length));
}
