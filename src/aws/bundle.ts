/**
 * The entry of dist/aws.js, the bundle the extension loads on first AWS use: the AWS layer and
 * the diagnosis engine that runs over it. Keeping the engine here keeps it (and the AWS SDK)
 * out of the bundle VS Code loads at activation.
 */
export * from './index';
export {
  diagnoseAutoScalingGroup,
  diagnoseInstance,
  isAbortError,
  predictLaunch,
  renderMarkdown,
} from '../core/diagnosis';
