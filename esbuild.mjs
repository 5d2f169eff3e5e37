// Builds three bundles:
//  - dist/extension.js: what VS Code loads at activation. It must stay small and must not
//    contain the AWS SDK, so the AWS layer is a separate bundle required on first AWS use.
//  - dist/aws.js: src/aws (with the AWS SDK) and the diagnosis engine, loaded lazily by the
//    extension.
//  - dist/cli.js: the command-line tool, everything in one file.
import * as esbuild from 'esbuild';

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

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    // `./aws` is resolved at run time from dist/aws.js (see src/vscode/awsBridge.ts).
    external: ['vscode', './aws'],
    metafile: true,
  },
  { ...common, entryPoints: { aws: 'src/aws/bundle.ts' }, outdir: 'dist', external: ['vscode'] },
  {
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    external: ['vscode'],
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  const activation = results[0].metafile;
  const bundled = Object.keys(activation.inputs).filter((input) => input.includes('@aws-sdk/'));
  if (bundled.length > 0) {
    console.error(`esbuild: the activation bundle must not contain the AWS SDK: ${bundled.slice(0, 3).join(', ')}`);
    process.exit(1);
  }
}
