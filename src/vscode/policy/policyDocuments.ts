import type * as vscode from 'vscode';
import { sourceFormatOf, type SourceFormat } from '../../core/policy/formats/sourceFormat';

/** The `source` of every diagnostic the policy analysis publishes; quick fixes act on these only. */
export const DIAGNOSTIC_SOURCE = 'EC2 Launch Doctor';

/** Languages whose documents may be policies or hold them; the content decides whether they do. */
export const POLICY_LANGUAGES = ['json', 'jsonc', 'yaml', 'terraform', 'hcl'];

/**
 * The documents the quick fixes and hovers serve: by language, and by file name for what VS
 * Code has no language of its own for (Terraform without an extension, CloudFormation's
 * `.template`).
 */
export const POLICY_SELECTOR: vscode.DocumentFilter[] = [
  ...POLICY_LANGUAGES.map((language) => ({ language })),
  { pattern: '**/*.tf' },
  { pattern: '**/*.template' },
];

/** The reader a document needs; undefined for a document that is not JSON, YAML or Terraform. */
export function policyFormatOf(document: vscode.TextDocument): SourceFormat | undefined {
  const format = sourceFormatOf(document.uri.path, document.languageId);
  // A `.template` in another language (plain text, say) is read as what its content is.
  if (format === 'yaml' || document.uri.path.toLowerCase().endsWith('.template'))
    return sourceFormatOf(document.uri.path, document.languageId, document.getText());
  return format;
}

/** True for a document the policy analysis looks at (git's copies of a file would only duplicate Problems). */
export function isPolicyCandidate(document: vscode.TextDocument): boolean {
  return document.uri.scheme !== 'git' && policyFormatOf(document) !== undefined;
}
