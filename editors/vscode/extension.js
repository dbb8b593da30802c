// The VS Code client for `rules lsp`: starts the language server (the `rules` command) on stdio
// for .rules files. Highlighting comes from syntaxes/rules.tmLanguage.json, declared in package.json.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("rules").get("server.command", ["rules", "lsp"]);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const server = { command, args, transport: TransportKind.stdio, options: { cwd: folder ? folder.uri.fsPath : undefined } };
  client = new LanguageClient("rules", "Rules language server", { run: server, debug: server }, {
    documentSelector: [{ scheme: "file", language: "rules" }],
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
