// Loads the activation bundle in a fresh process with the `vscode` stand-in, times
// require() and activate(), and lists every module the two loaded. Mode `expand` then
// expands the Instances tree, which must load the AWS bundle: it proves the probe would see
// the SDK if activation loaded it.
//   node activationProbe.mjs <bundle> <measure|expand> <storageDir> [configFile credentialsFile]
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExtensionContext, createVscodeStandIn } from './vscodeStandIn.mjs';

const SDK_MODULE = /(^|[\\/])@(aws-sdk|smithy)[\\/]/;

const [bundle, mode, storageDir, configFile, credentialsFile] = process.argv.slice(2);
const settings = configFile
  ? { 'ec2LaunchDoctor.sharedConfigFile': configFile, 'ec2LaunchDoctor.sharedCredentialsFile': credentialsFile }
  : {};
const { vscode, missing, registeredCommands } = createVscodeStandIn({ settings });
const require = createRequire(import.meta.url);
const awsBundle = path.join(path.dirname(bundle), 'aws.js');

const requests = [];
const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  requests.push(request);
  if (request === 'vscode') return vscode;
  return originalLoad.call(this, request, parent, isMain);
};

function loadedSince(before) {
  const files = Object.keys(require.cache).filter((file) => !before.has(file));
  return {
    files: files.map((file) => path.relative(path.dirname(bundle), file)),
    sdkModules: files.filter((file) => SDK_MODULE.test(file)).concat(requests.filter((r) => SDK_MODULE.test(r))),
    awsBundleLoaded: files.includes(awsBundle),
  };
}

const before = new Set(Object.keys(require.cache));
const context = createExtensionContext(storageDir);
const started = performance.now();
const extension = require(bundle);
const loaded = performance.now();
const api = extension.activate(context);
const activated = performance.now();
const atActivation = loadedSince(before);
const requestedAtActivation = [
  ...new Set(requests.map((r) => (path.isAbsolute(r) ? path.relative(path.dirname(bundle), r) : r))),
].sort();

const result = {
  loadMs: loaded - started,
  activateMs: activated - loaded,
  totalMs: activated - started,
  subscriptions: context.subscriptions.length,
  commands: registeredCommands.size,
  requested: requestedAtActivation,
  modulesLoaded: atActivation.files,
  sdkModules: atActivation.sdkModules,
  awsBundleLoaded: atActivation.awsBundleLoaded,
  missingApi: [...missing].sort(),
};

if (mode === 'expand') {
  const roots = await api.instances.getChildren();
  const afterExpand = loadedSince(before);
  result.expand = {
    rootNodes: roots.length,
    awsBundleLoaded: afterExpand.awsBundleLoaded,
    missingApi: [...missing].sort(),
  };
}

for (const disposable of context.subscriptions) disposable?.dispose?.();
process.send?.({ type: 'result', result });
