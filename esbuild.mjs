// Builds three bundles:
//  - dist/extension.js: what VS Code loads at activation. It must stay small and must not
//    contain the AWS SDK, so the AWS layer is a separate bundle required on first AWS use.
//  - dist/aws.js: src/aws (with the AWS SDK) and the diagnosis engine, loaded lazily by the
//    extension.
//  - dist/formats.js: the YAML and Terraform readers with their parsers, loaded lazily by the
//    extension on the first YAML or Terraform document.
//  - dist/cli.js: the command-line tool, everything in one file.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  // jsonc-parser's `main` is a UMD build whose internal requires esbuild cannot follow;
  // its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  legalComments: 'none',
};

/**
 * Every module of the activation bundle imports `vscode` as a namespace, and esbuild wraps
 * each such import of a CommonJS module in a copy of its exports: one copy of the whole
 * API per importing module, made when the bundle loads (several milliseconds at
 * activation). Resolving `vscode` to one ES module that re-exports it makes that copy once.
 */
const sharedVscode = {
  name: 'shared-vscode',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'shared-vscode'
        ? { path: 'vscode', external: true }
        : { path: 'vscode', namespace: 'shared-vscode' },
    );
    build.onLoad({ filter: /.*/, namespace: 'shared-vscode' }, () => ({
      contents: "export * from 'vscode';",
      loader: 'js',
    }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    // `./aws`, `./analyzer` and `./formats` are resolved at run time from dist/aws.js,
    // dist/analyzer.js and dist/formats.js (see src/vscode/awsBridge.ts and
    // src/vscode/policy/policyBridge.ts, formatsBridge.ts). An external matches the import
    // text in every file, so these names must be imported nowhere else.
    external: ['vscode', './aws', './analyzer', './formats'],
    plugins: [sharedVscode],
    metafile: true,
  },
  { ...common, entryPoints: { aws: 'src/aws/bundle.ts' }, outdir: 'dist', external: ['vscode'] },
  // The policy analyzer (with jsonc-parser), loaded on the first policy document or save.
  { ...common, entryPoints: { analyzer: 'src/core/policy/index.ts' }, outdir: 'dist', external: ['vscode'] },
  // The YAML and HCL readers of infrastructure code, loaded on the first such document.
  { ...common, entryPoints: { formats: 'src/core/policy/formats/index.ts' }, outdir: 'dist', external: ['vscode'] },
  {
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    external: ['vscode'],
    banner: { js: '#!/usr/bin/env node' },
  },
];

/**
 * The Terraform parser runs on WebAssembly: the runtime and the grammar go next to the
 * bundles that load them (dist/formats.js, dist/cli.js), and into the .vsix from there.
 */
const require = createRequire(import.meta.url);
mkdirSync('dist', { recursive: true });
for (const wasm of [
  'web-tree-sitter/web-tree-sitter.wasm',
  '@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm',
]) {
  copyFileSync(require.resolve(wasm), `dist/${wasm.split('/').pop()}`);
}

/**
 * In watch mode a rebuild (of one bundle or several) says when it starts and when the last
 * bundle is done, and prints each error on one line: the editor's watch task
 * (.vscode/tasks.json) waits for these lines and reads the errors.
 */
let building = 0;
const watchReporter = {
  name: 'watch-reporter',
  setup(build) {
    build.onStart(() => {
      if (building++ === 0) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.log(`[watch] error ${location ? `${location.file}:${location.line}:${location.column}: ` : ''}${text}`);
      }
      if (--building === 0) console.log('[watch] build finished');
    });
  },
};

if (watch) {
  const contexts = await Promise.all(
    builds.map((options) => esbuild.context({ ...options, plugins: [...(options.plugins ?? []), watchReporter] })),
  );
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  const activation = results[0].metafile;
  const lazy = ['@aws-sdk/', 'node_modules/yaml/', 'web-tree-sitter'];
  const bundled = Object.keys(activation.inputs).filter((input) => lazy.some((name) => input.includes(name)));
  if (bundled.length > 0) {
    console.error(
      `esbuild: the activation bundle must not contain the AWS SDK or the YAML/HCL parsers: ${bundled.slice(0, 3).join(', ')}`,
    );
    process.exit(1);
  }
}
