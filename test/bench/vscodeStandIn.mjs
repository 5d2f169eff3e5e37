// A minimal stand-in for the `vscode` module: just enough of the API for the extension's
// activate() to run outside VS Code. Registrations return disposables, events never fire,
// settings come from a plain object. Anything the extension touches that is not written
// here is recorded in `missing` (and still works as an inert function), so the benchmark
// reports API drift instead of crashing on it.
import * as path from 'node:path';

class Disposable {
  constructor(onDispose) {
    this.onDispose = onDispose;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((item) => item?.dispose?.()));
  }
  dispose() {
    const run = this.onDispose;
    this.onDispose = undefined;
    run?.();
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return new Disposable(() => this.listeners.delete(listener));
    };
  }
  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

const noEvent = () => new Disposable();

class Uri {
  constructor(scheme, authority, uriPath, query, fragment) {
    this.scheme = scheme;
    this.authority = authority ?? '';
    this.path = uriPath ?? '';
    this.query = query ?? '';
    this.fragment = fragment ?? '';
  }
  static file(fsPath) {
    return new Uri('file', '', fsPath.split(path.sep).join('/'));
  }
  static parse(value) {
    const url = new URL(value);
    return new Uri(
      url.protocol.replace(/:$/, ''),
      url.host,
      decodeURIComponent(url.pathname),
      url.search.replace(/^\?/, ''),
      url.hash.replace(/^#/, ''),
    );
  }
  static from(parts) {
    return new Uri(parts.scheme, parts.authority, parts.path, parts.query, parts.fragment);
  }
  static joinPath(base, ...segments) {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }
  get fsPath() {
    return this.path;
  }
  with(change) {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }
  toString() {
    return `${this.scheme}://${this.authority}${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON() {
    return {
      scheme: this.scheme,
      authority: this.authority,
      path: this.path,
      query: this.query,
      fragment: this.fragment,
    };
  }
}

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}

class Range {
  constructor(start, end, endLine, endCharacter) {
    if (typeof start === 'number') {
      this.start = new Position(start, end);
      this.end = new Position(endLine, endCharacter);
    } else {
      this.start = start;
      this.end = end;
    }
  }
}

class CodeActionKind {
  constructor(value) {
    this.value = value;
  }
  append(part) {
    return new CodeActionKind(`${this.value}.${part}`);
  }
}
CodeActionKind.QuickFix = new CodeActionKind('quickfix');
CodeActionKind.Empty = new CodeActionKind('');

class FileSystemError extends Error {
  static FileNotFound(what) {
    return new FileSystemError(`FileNotFound: ${what ?? ''}`);
  }
  static NoPermissions(what) {
    return new FileSystemError(`NoPermissions: ${what ?? ''}`);
  }
  static Unavailable(what) {
    return new FileSystemError(`Unavailable: ${what ?? ''}`);
  }
}

/** A class that only keeps its constructor arguments (TreeItem, Diagnostic, Hover, ...). */
function dataClass(...fields) {
  return class {
    constructor(...args) {
      fields.forEach((field, i) => {
        this[field] = args[i];
      });
    }
  };
}

function outputChannel(name) {
  const ignore = () => undefined;
  return {
    name,
    append: ignore,
    appendLine: ignore,
    replace: ignore,
    clear: ignore,
    show: ignore,
    hide: ignore,
    dispose: ignore,
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    logLevel: 2,
    onDidChangeLogLevel: noEvent,
  };
}

/**
 * Wraps a namespace so that reading an unknown member records it and yields an inert
 * function (returning a disposable) instead of `undefined`.
 */
function recording(name, target, missing) {
  return new Proxy(target, {
    get(object, property) {
      if (
        typeof property === 'symbol' ||
        property in object ||
        property === 'then' ||
        property === '__esModule' ||
        property === 'default'
      )
        return object[property];
      missing.add(`${name}.${property}`);
      return () => new Disposable();
    },
  });
}

/**
 * Creates the stand-in. `settings` maps full setting ids (`ec2LaunchDoctor.regions`) to
 * values; unset ones fall back to the default the code passes to `get`.
 */
export function createVscodeStandIn({ settings = {}, version = '1.85.0' } = {}) {
  const missing = new Set();
  const registeredCommands = new Map();
  const configuration = (section) => ({
    get: (key, fallback) => {
      const id = section ? `${section}.${key}` : key;
      return id in settings ? settings[id] : fallback;
    },
    has: (key) => (section ? `${section}.${key}` : key) in settings,
    inspect: () => undefined,
    update: async () => undefined,
  });
  const api = {
    version,
    Disposable,
    EventEmitter,
    Uri,
    Position,
    Range,
    CodeActionKind,
    FileSystemError,
    TreeItem: dataClass('label', 'collapsibleState'),
    ThemeIcon: dataClass('id', 'color'),
    ThemeColor: dataClass('id'),
    MarkdownString: dataClass('value', 'supportThemeIcons'),
    Diagnostic: dataClass('range', 'message', 'severity'),
    CodeAction: dataClass('title', 'kind'),
    Hover: dataClass('contents', 'range'),
    WorkspaceEdit: class {
      replace() {}
      insert() {}
      delete() {}
    },
    RelativePattern: dataClass('base', 'pattern'),
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    FileChangeType: { Changed: 1, Created: 2, Deleted: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    EndOfLine: { LF: 1, CRLF: 2 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    window: recording(
      'window',
      {
        createOutputChannel: (name) => outputChannel(name),
        createTreeView: () => ({
          visible: true,
          onDidExpandElement: noEvent,
          onDidCollapseElement: noEvent,
          onDidChangeVisibility: noEvent,
          onDidChangeSelection: noEvent,
          reveal: async () => undefined,
          dispose: () => undefined,
        }),
        registerTreeDataProvider: () => new Disposable(),
        registerWebviewPanelSerializer: () => new Disposable(),
        showInformationMessage: async () => undefined,
        showWarningMessage: async () => undefined,
        showErrorMessage: async () => undefined,
        showInputBox: async () => undefined,
        showQuickPick: async () => undefined,
        setStatusBarMessage: () => new Disposable(),
        withProgress: (_options, task) =>
          task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: noEvent }),
        onDidChangeActiveTextEditor: noEvent,
        onDidChangeVisibleTextEditors: noEvent,
        onDidCloseTerminal: noEvent,
        visibleTextEditors: [],
        activeTextEditor: undefined,
      },
      missing,
    ),
    workspace: recording(
      'workspace',
      {
        getConfiguration: configuration,
        onDidChangeConfiguration: noEvent,
        onDidOpenTextDocument: noEvent,
        onDidChangeTextDocument: noEvent,
        onDidCloseTextDocument: noEvent,
        onDidSaveTextDocument: noEvent,
        textDocuments: [],
        workspaceFolders: undefined,
        isTrusted: true,
        onDidGrantWorkspaceTrust: noEvent,
        createFileSystemWatcher: () => ({
          onDidChange: noEvent,
          onDidCreate: noEvent,
          onDidDelete: noEvent,
          dispose: () => undefined,
        }),
        registerFileSystemProvider: () => new Disposable(),
        registerTextDocumentContentProvider: () => new Disposable(),
        fs: {},
      },
      missing,
    ),
    languages: recording(
      'languages',
      {
        createDiagnosticCollection: (name) => ({
          name,
          set: () => undefined,
          delete: () => undefined,
          clear: () => undefined,
          get: () => undefined,
          forEach: () => undefined,
          has: () => false,
          dispose: () => undefined,
        }),
        registerCodeActionsProvider: () => new Disposable(),
        registerHoverProvider: () => new Disposable(),
      },
      missing,
    ),
    commands: recording(
      'commands',
      {
        registerCommand: (id, handler) => {
          registeredCommands.set(id, handler);
          return new Disposable(() => registeredCommands.delete(id));
        },
        executeCommand: async () => undefined,
      },
      missing,
    ),
    env: recording(
      'env',
      {
        appName: 'Visual Studio Code',
        language: 'en',
        clipboard: { writeText: async () => undefined, readText: async () => '' },
        openExternal: async () => true,
      },
      missing,
    ),
  };
  return { vscode: recording('vscode', api, missing), missing, registeredCommands };
}

/** An ExtensionContext with storage under `storageDir` and nothing persisted. */
export function createExtensionContext(storageDir) {
  const memento = () => {
    const values = new Map();
    return {
      get: (key, fallback) => (values.has(key) ? values.get(key) : fallback),
      update: async (key, value) => void values.set(key, value),
      keys: () => [...values.keys()],
      setKeysForSync: () => undefined,
    };
  };
  return {
    subscriptions: [],
    extensionPath: storageDir,
    extensionUri: Uri.file(storageDir),
    globalStorageUri: Uri.file(path.join(storageDir, 'global')),
    storageUri: Uri.file(path.join(storageDir, 'workspace')),
    logUri: Uri.file(path.join(storageDir, 'log')),
    globalState: memento(),
    workspaceState: memento(),
    secrets: {
      get: async () => undefined,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: noEvent,
    },
    extensionMode: 1,
    asAbsolutePath: (relative) => path.join(storageDir, relative),
  };
}
