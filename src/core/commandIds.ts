/**
 * Every command the extension contributes, by id. The editor layer registers exactly these,
 * package.json declares exactly these (a unit test compares the two), and the diagnosis
 * report links to some of them. Plain data: the core, the CLI and tests can import it.
 */
export const COMMAND_IDS = {
  diagnoseStoppedInstance: 'ec2LaunchDoctor.diagnoseStoppedInstance',
  diagnoseAutoScalingGroup: 'ec2LaunchDoctor.diagnoseAutoScalingGroup',
  checkLaunchReadiness: 'ec2LaunchDoctor.checkLaunchReadiness',
  refresh: 'ec2LaunchDoctor.refresh',
  filter: 'ec2LaunchDoctor.filter',
  clearFilter: 'ec2LaunchDoctor.clearFilter',
  startInstance: 'ec2LaunchDoctor.startInstance',
  stopInstance: 'ec2LaunchDoctor.stopInstance',
  rebootInstance: 'ec2LaunchDoctor.rebootInstance',
  copyInstanceId: 'ec2LaunchDoctor.copyInstanceId',
  openInConsole: 'ec2LaunchDoctor.openInConsole',
  ssoLogin: 'ec2LaunchDoctor.ssoLogin',
  openKeyPolicy: 'ec2LaunchDoctor.openKeyPolicy',
  saveKeyPolicy: 'ec2LaunchDoctor.saveKeyPolicy',
  restoreKeyPolicy: 'ec2LaunchDoctor.restoreKeyPolicy',
  createGrant: 'ec2LaunchDoctor.createGrant',
  copyStatement: 'ec2LaunchDoctor.copyStatement',
  copyReport: 'ec2LaunchDoctor.copyReport',
  changeKeyState: 'ec2LaunchDoctor.changeKeyState',
  fixInCode: 'ec2LaunchDoctor.fixInCode',
  showLog: 'ec2LaunchDoctor.showLog',
} as const;

/** The name of a command in COMMAND_IDS (`startInstance`). */
export type CommandName = keyof typeof COMMAND_IDS;

/** A command id (`ec2LaunchDoctor.startInstance`). */
export type CommandId = (typeof COMMAND_IDS)[CommandName];
