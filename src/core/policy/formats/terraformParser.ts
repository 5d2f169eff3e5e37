/**
 * The Terraform grammar (tree-sitter-hcl's `terraform` dialect) on the web-tree-sitter
 * runtime, both WebAssembly. Loaded once, on the first Terraform file: from the bundle's own
 * folder (dist/, where the build copies the .wasm files), else from the installed packages
 * (tests, the CLI run from source). Nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TreeSitter from 'web-tree-sitter';

export const RUNTIME_WASM = 'web-tree-sitter.wasm';
export const GRAMMAR_WASM = 'tree-sitter-terraform.wasm';
/** The ABI versions web-tree-sitter 0.27 reads. */
export const SUPPORTED_ABI = { min: 13, max: 15 };

export interface TerraformParser {
  parser: TreeSitter.Parser;
  language: TreeSitter.Language;
}

let loading: Promise<TerraformParser> | undefined;
let loaded: TerraformParser | undefined;

/** Where a .wasm file is: next to this bundle, else in its package. */
function wasmPath(file: string, packageFile: string): string {
  const here = join(__dirname, file);
  if (existsSync(here)) return here;
  return require.resolve(packageFile);
}

async function load(): Promise<TerraformParser> {
  // The CommonJS build: the ESM one finds its .wasm through import.meta.url, which a CommonJS bundle lacks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Parser, Language } = require('web-tree-sitter') as typeof TreeSitter;
  const runtime = wasmPath(RUNTIME_WASM, `web-tree-sitter/${RUNTIME_WASM}`);
  await Parser.init({ locateFile: () => runtime });
  const language = await Language.load(wasmPath(GRAMMAR_WASM, `@tree-sitter-grammars/tree-sitter-hcl/${GRAMMAR_WASM}`));
  if (language.abiVersion < SUPPORTED_ABI.min || language.abiVersion > SUPPORTED_ABI.max)
    throw new Error(
      `the Terraform grammar has ABI ${language.abiVersion}, the runtime reads ${SUPPORTED_ABI.min}-${SUPPORTED_ABI.max}`,
    );
  const parser = new Parser();
  parser.setLanguage(language);
  loaded = { parser, language };
  return loaded;
}

/** Loads the parser (once); rejects when the .wasm files are missing or do not fit. */
export function loadTerraformParser(): Promise<TerraformParser> {
  loading ??= load().catch((error: unknown) => {
    // A failed load may be retried (a file appearing later, say).
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The parser when it is loaded; undefined until `loadTerraformParser` has finished. */
export function terraformParser(): TerraformParser | undefined {
  return loaded;
}
