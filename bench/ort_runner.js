// ONNX Runtime (onnxruntime-node, CPU, fp32) on the same batches as `attnserve bench`:
// same LCG, same seed, same draw order (length, then that sequence's ids), same warm-up/timed
// split. ORT gets each batch padded to its longest sequence (attention_mask 0 on padding), which
// is what a user of ORT does.
//   NODE_PATH=$PEERS_WORK/node/node_modules node bench/ort_runner.js MODEL_DIR \
//       --batch 32 [--seq 128 | --lengths 16:256] --iters 5 --warmup 1 --threads 2
// Prints one JSON line.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

async function main() {
  const dir = path.resolve(process.argv[2]);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const B = Number(arg('batch', 32));
  let [minLen, maxLen] = [Number(arg('seq', 128)), Number(arg('seq', 128))];
  if (arg('lengths')) [minLen, maxLen] = arg('lengths').split(':').map(Number);
  const iters = Number(arg('iters', 5)), warmup = Number(arg('warmup', 1));
  const threads = Number(arg('threads', 2));
  let state = Number(arg('seed', 12345));
  const rnd = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const V = cfg.vocab_size, firstId = V > 2000 ? 1000 : 0;

  const batches = [];
  for (let b = 0; b < warmup + iters; b++) {
    const seqs = [];
    for (let s = 0; s < B; s++) {
      const len = minLen + Math.floor(rnd() * (maxLen - minLen + 1));
      const ids = [];
      for (let t = 0; t < len; t++) ids.push(firstId + Math.floor(rnd() * (V - firstId)));
      seqs.push(ids);
    }
    const S = Math.max(...seqs.map((x) => x.length));
    const ids = new BigInt64Array(B * S), mask = new BigInt64Array(B * S);
    seqs.forEach((x, s) => x.forEach((id, t) => { ids[s * S + t] = BigInt(id); mask[s * S + t] = 1n; }));
    batches.push({ S, tokens: seqs.reduce((n, x) => n + x.length, 0), lengths: seqs.map((x) => x.length),
      feeds: { input_ids: new ort.Tensor('int64', ids, [B, S]),
               attention_mask: new ort.Tensor('int64', mask, [B, S]),
               token_type_ids: new ort.Tensor('int64', new BigInt64Array(B * S), [B, S]) } });
  }
  const sess = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'), {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    executionMode: 'sequential' });
  for (let i = 0; i < warmup; i++) await sess.run(batches[i].feeds);
  const times = [];
  let tokens = 0, padded = 0;
  for (let i = warmup; i < warmup + iters; i++) {
    const t0 = process.hrtime.bigint();
    await sess.run(batches[i].feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    tokens += batches[i].tokens;
    padded += B * batches[i].S;
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(JSON.stringify({
    runner: 'onnxruntime-node', ort: ort.env.versions.node, model: path.basename(dir), batch: B,
    lengths: `${minLen}:${maxLen}`, threads, iters, times_s: times.map((t) => +t.toFixed(4)),
    median_s: sorted[Math.floor(sorted.length / 2)], seq_per_s: (B * iters) / total,
    tokens_per_s: tokens / total, padding_overhead: padded / tokens }));
}
main().catch((e) => { console.error(e); process.exit(1); });
