/**
 * The contract between the report's command links and the editor commands they run: each
 * command receives one object, the first command argument, of these shapes.
 */
import type { Fix } from './types';

export interface OpenKeyPolicyArgs {
  profile: string;
  region: string;
  keyArn: string;
  /** The principal the policy diagnostics check for. */
  principalArn?: string;
}

export interface CopyStatementArgs {
  statement: Record<string, unknown>;
  target: Fix['target'];
}

export interface ChangeKeyStateArgs {
  profile: string;
  keyArn: string;
  action: 'enable-key' | 'cancel-key-deletion';
}

export interface InstanceCommandArgs {
  profile: string;
  region: string;
  instanceId: string;
}

/** The create-grant command: creates `operations` for `granteePrincipal` on `keyArn`, after the person confirms. */
export interface CreateGrantArgs {
  profile: string;
  region: string;
  keyArn: string;
  granteePrincipal: string;
  operations: string[];
}

/**
 * The fix-in-code command: opens the workspace's definition of `keyArn` (the one in `path`,
 * a workspace-relative path, when given) and applies there the fix for `principalArn`.
 */
export interface FixInCodeArgs {
  keyArn: string;
  principalArn?: string;
  path?: string;
}
