/**
 * Which reader a file needs, from the editor's language id and the file name. Light on
 * purpose: the editor and the CLI decide with it before the YAML or HCL parser is loaded.
 * The content still decides whether a file holds policies; the name only picks the language.
 */

/** `json`: read by `analyzePolicyText` (policies, CloudFormation JSON, CDK output, Terraform plans). */
export type SourceFormat = 'json' | 'yaml' | 'terraform';

/** Language ids as VS Code and common extensions name them. */
const BY_LANGUAGE: Readonly<Record<string, SourceFormat>> = {
  json: 'json',
  jsonc: 'json',
  yaml: 'yaml',
  terraform: 'terraform',
  'terraform-vars': 'terraform',
  hcl: 'terraform',
};

/** File name endings, checked when the language id says nothing (VS Code has no Terraform language of its own). */
const BY_EXTENSION: readonly [string, SourceFormat | 'sniff'][] = [
  ['.json', 'json'],
  ['.yaml', 'yaml'],
  ['.yml', 'yaml'],
  ['.tf', 'terraform'],
  // CloudFormation's `.template` is JSON or YAML: the first character tells.
  ['.template', 'sniff'],
];

/** JSON starts with `{` (after blanks and a byte order mark); anything else is read as YAML. */
function sniff(text: string): SourceFormat {
  return /^\uFEFF?\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/**
 * The format of a document: by language id, then by file name; undefined when neither names
 * one the analyzer reads. `text` settles a `.template` (and a YAML file that is JSON).
 */
export function sourceFormatOf(fileName: string, languageId?: string, text?: string): SourceFormat | undefined {
  const lower = fileName.toLowerCase();
  const byName = BY_EXTENSION.find(([ending]) => lower.endsWith(ending))?.[1];
  const byLanguage = languageId !== undefined ? BY_LANGUAGE[languageId] : undefined;
  const format = byLanguage && byLanguage !== 'json' ? byLanguage : (byName ?? byLanguage);
  if (format === 'sniff') return text === undefined ? 'yaml' : sniff(text);
  // JSON is YAML too: a `.yaml` file written as JSON gets JSON's precise edits.
  if (format === 'yaml' && text !== undefined) return sniff(text);
  return format;
}
