import * as vscode from 'vscode';

/** The document's own indentation and line ending, so inserted statements look native. */
export function formattingFor(document: vscode.TextDocument): { tabSize: number; insertSpaces: boolean; eol: string } {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const tabSize =
    typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : detectIndent(document.getText());
  const insertSpaces =
    typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : !/^\t/m.test(document.getText());
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
