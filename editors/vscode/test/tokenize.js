// The reference tokenizer: vscode-textmate with vscode-oniguruma (as VS Code runs the grammar).
//   cd editors/vscode && npm install --no-save vscode-textmate vscode-oniguruma
//   node test/tokenize.js syntaxes/rules.tmLanguage.json FILE... > scopes.json
// Prints, per file and line, the scopes of every character; tests/test_highlighting.py compares
// them with its Python tokenizer when these modules are installed.
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');
const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (p) => new oniguruma.OnigScanner(p),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const grammarPath = process.argv[2];
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
});
registry.loadGrammar('source.rules').then(grammar => {
  const out = {};
  for (const file of process.argv.slice(3)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let stack = vsctm.INITIAL;
    const res = [];
    for (const line of lines) {
      const r = grammar.tokenizeLine(line, stack);
      const per = new Array(line.length);
      for (const t of r.tokens) for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) per[i] = t.scopes.join(' ');
      res.push(per);
      stack = r.ruleStack;
    }
    out[file] = res;
  }
  console.log(JSON.stringify(out));
});
