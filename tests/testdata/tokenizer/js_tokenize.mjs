// Tokenizes corpus.jsonl with transformers.js (@huggingface/transformers, offline, on a local
// tokenizer.json + tokenizer_config.json) and writes one JSON line {"ids", "type_ids"} per
// corpus line, plus the character classes of every code point of the corpus in node's Unicode
// tables (for the version cross-check in generate_fixtures.py).
//
//   node js_tokenize.mjs NODE_MODULES_DIR TOKENIZER_DIR CORPUS OUT_JSONL [CLASSES_JSON]
import fs from 'fs';
import path from 'path';

const [modulesDir, tokDir, corpusPath, outPath, classesPath] = process.argv.slice(2);
const pkgDir = path.join(modulesDir, '@huggingface', 'transformers');
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'))).version;
const { env, AutoTokenizer } = await import(path.join(pkgDir, 'dist', 'transformers.node.mjs'));
env.allowRemoteModels = false;  // never touch the Hub
env.allowLocalModels = true;
env.useFSCache = false;
env.useBrowserCache = false;
env.localModelPath = '/';

const tok = await AutoTokenizer.from_pretrained(path.resolve(tokDir));
const lines = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0);
const out = [];
const cps = new Set();
for (const line of lines) {
  const { text, text_pair } = JSON.parse(line);
  const enc = text_pair === undefined
    ? tok(text, { add_special_tokens: true })
    : tok(text, { text_pair, add_special_tokens: true });
  const ids = Array.from(enc.input_ids.data, Number);
  const typeIds = Array.from(enc.token_type_ids.data, Number);
  out.push(JSON.stringify({ ids, type_ids: typeIds }));
  for (const c of text + (text_pair ?? '')) cps.add(c.codePointAt(0));
}
fs.writeFileSync(outPath, out.join('\n') + '\n');
if (classesPath) {
  const cls = {};
  for (const cp of [...cps].sort((a, b) => a - b)) {
    const c = String.fromCodePoint(cp);
    cls[cp] = [/\p{Cc}|\p{Cf}|\p{Co}/u.test(c), /\p{P}/u.test(c), /\p{Mn}/u.test(c),
               /\p{Cn}/u.test(c), /^\s$/u.test(c)];
  }
  fs.writeFileSync(classesPath, JSON.stringify({
    transformers_js: version, node: process.version, unicode: process.versions.unicode, classes: cls }));
}
console.error(`transformers.js ${version}: ${lines.length} lines of ${corpusPath} with ${tokDir}`);
