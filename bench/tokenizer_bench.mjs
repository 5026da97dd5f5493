// transformers.js tokenizer throughput on the same files as tokenizer_bench: one encode per
// line (with [CLS]/[SEP]), single thread, best of 3 runs of >= 2 s after a warm-up.
//   node tokenizer_bench.mjs NODE_MODULES_DIR TOKENIZER_DIR TEXT_FILE
// Prints one JSON line: {"mb_per_s":..., "tokens_per_s":..., "version":...}.
import fs from 'fs';
import path from 'path';

const [modulesDir, tokDir, textFile] = process.argv.slice(2);
const pkgDir = path.join(modulesDir, '@huggingface', 'transformers');
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'))).version;
const { env, AutoTokenizer } = await import(path.join(pkgDir, 'dist', 'transformers.node.mjs'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;
env.useBrowserCache = false;
env.localModelPath = '/';
const tok = await AutoTokenizer.from_pretrained(path.resolve(tokDir));
const lines = fs.readFileSync(textFile, 'utf8').split('\n').filter((l) => l.trim().length > 0);
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8'), 0);

function run(minSeconds) {
  let tokens = 0, reps = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const l of lines) tokens += tok.encode(l).length;
    ++reps;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (elapsed < minSeconds);
  return { mb_per_s: (bytes * reps) / elapsed / 1e6, tokens_per_s: tokens / elapsed };
}
run(1.0);  // warm-up (JIT)
let best = null;
for (let i = 0; i < 3; ++i) {
  const r = run(2.0);
  if (best === null || r.mb_per_s > best.mb_per_s) best = r;
}
console.log(JSON.stringify({ ...best, version, lines: lines.length, bytes }));
