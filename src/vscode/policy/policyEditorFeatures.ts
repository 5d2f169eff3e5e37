import * as vscode from 'vscode';
import { PolicyCodeActions } from './policyCodeActions';
import { PolicyHover } from './policyHover';
import type { PolicyAnalyses } from './policyAnalyses';
import { POLICY_SELECTOR } from './policyDocuments';

/** Registers the quick fixes and the hover for JSON, YAML and Terraform documents of any scheme. */
export function registerPolicyEditorFeatures(analyses: PolicyAnalyses): vscode.Disposable[] {
  const selector = POLICY_SELECTOR;
  return [
    vscode.languages.registerCodeActionsProvider(selector, new PolicyCodeActions(analyses), {
      providedCodeActionKinds: PolicyCodeActions.providedCodeActionKinds,
    }),
    vscode.languages.registerHoverProvider(selector, new PolicyHover(analyses)),
  ];
}
