/**
 * The policies of a Terraform plan or state in JSON (`terraform show -json`): each resource of
 * `planned_values` (a plan) or `values` (a state), in the root module and its child modules,
 * whose `policy` is a JSON string. The documented shape is Terraform's "JSON Output Format"
 * (developer.hashicorp.com/terraform/internals/json-format): `root_module.resources[]` with
 * `address`, `type` and `values`, and `root_module.child_modules[]` nesting the same.
 * A plan is generated: its findings point at the policy string and carry no fix (the fix
 * belongs in the configuration).
 */
import type { Node } from 'jsonc-parser';
import { propertyValue } from '../document';
import { POLICY_RESOURCES } from './terraformResources';

export interface PlannedPolicy {
  /** The resource's address, `module.keys.aws_kms_key.volumes`. */
  address: string;
  /** The `policy` string node. */
  node: Node;
  text: string;
}

/** Child modules deeper than this are not read (Terraform nests as deep as the configuration does). */
const MAX_MODULE_DEPTH = 32;

function moduleResources(module: Node | undefined, depth: number, out: PlannedPolicy[]): void {
  if (!module || module.type !== 'object' || depth > MAX_MODULE_DEPTH) return;
  const resources = propertyValue(module, 'resources');
  for (const resource of resources?.type === 'array' ? (resources.children ?? []) : []) {
    const type = propertyValue(resource, 'type')?.value;
    if (typeof type !== 'string' || !(type in POLICY_RESOURCES)) continue;
    if (propertyValue(resource, 'mode')?.value === 'data') continue;
    const policy = propertyValue(propertyValue(resource, 'values'), 'policy');
    if (policy?.type !== 'string' || typeof policy.value !== 'string' || policy.value.length === 0) continue;
    const address = propertyValue(resource, 'address')?.value;
    out.push({ address: typeof address === 'string' ? address : type, node: policy, text: policy.value });
  }
  const children = propertyValue(module, 'child_modules');
  for (const child of children?.type === 'array' ? (children.children ?? []) : [])
    moduleResources(child, depth + 1, out);
}

/** The planned policies of a plan or state JSON tree; undefined when the tree is neither. */
export function plannedPolicies(root: Node | undefined): PlannedPolicy[] | undefined {
  if (!root || root.type !== 'object') return undefined;
  if (propertyValue(root, 'format_version')?.type !== 'string') return undefined;
  const values = propertyValue(root, 'planned_values') ?? propertyValue(root, 'values');
  const rootModule = propertyValue(values, 'root_module');
  if (!rootModule) return undefined;
  const out: PlannedPolicy[] = [];
  moduleResources(rootModule, 0, out);
  return out;
}
