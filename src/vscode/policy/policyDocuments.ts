import type * as vscode from 'vscode';

/** The `source` of every diagnostic the policy analysis publishes; quick fixes act on these only. */
export const DIAGNOSTIC_SOURCE = 'EC2 Launch Doctor';

/** Languages whose documents may be policies; the content decides whether they are. */
export const POLICY_LANGUAGES = ['json', 'jsonc'];

/** True for a document the policy analysis looks at (git's copies of a file would only duplicate Problems). */
export function isPolicyCandidate(document: vscode.TextDocument): boolean {
  return POLICY_LANGUAGES.includes(document.languageId) && document.uri.scheme !== 'git';
}
