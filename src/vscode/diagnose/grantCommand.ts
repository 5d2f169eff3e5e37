import * as vscode from 'vscode';
import type { CommandContext } from '../commandContext';
import { plainMessage } from '../markdown';
import { checkGrantArgs, grantConfirmation, grantCreatedNote } from './grantConfirmation';

/**
 * "Create KMS Grant": the grant fix of a report (a service-linked role on a key of another
 * account). A modal names the key, the grantee, the operations and the profile; only after
 * the person confirms does KMS CreateGrant run. The result is a notification and a note on
 * top of every report that concerns the key.
 */
export function createGrant(ctx: CommandContext) {
  return async (raw?: unknown): Promise<boolean> => {
    const args = checkGrantArgs(raw);
    if (!args) {
      if (raw !== undefined)
        ctx.log.warn('Create grant: the link did not carry a key ARN, a grantee, operations and a profile.');
      return false;
    }
    const ask = grantConfirmation(args);
    const answer = await vscode.window.showWarningMessage(
      plainMessage(ask.message),
      { modal: true, detail: plainMessage(ask.detail) },
      ask.confirm,
    );
    if (answer !== ask.confirm) return false;
    const result = await ctx.aws.createGrant(args);
    if (!result.ok) {
      ctx.log.error(`CreateGrant on ${args.keyArn} for ${args.granteePrincipal}: ${result.error.message}`);
      void vscode.window.showErrorMessage(plainMessage(`${result.error.message} ${result.error.nextStep}`));
      return false;
    }
    const note = grantCreatedNote(args, result.value.grantId);
    ctx.log.info(`CreateGrant through ${args.profile}: ${note}`);
    void ctx.reports.noteKeyChange(args.keyArn, note);
    void vscode.window.showInformationMessage(plainMessage(note));
    return true;
  };
}
