// Tests of the Node client against a live `attnserve serve` (started by
// tests/clients/node_client_test.sh, which passes the addresses in the environment):
//   ATTNSERVE_BIN         the attnserve binary (for `attnserve encode` / `tokenize` references)
//   ATTNSERVE_TARGET      a plaintext server on the demo model
//   ATTNSERVE_TLS_TARGET  a TLS server that requires ATTNSERVE_API_KEY, certificate by ATTNSERVE_CA
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');

const { EmbedderClient, infoObject, status } = require('../attnserve_client');

const BIN = process.env.ATTNSERVE_BIN;
const TARGET = process.env.ATTNSERVE_TARGET;
const EXAMPLE = path.join(__dirname, '..', 'embed.js');
const TOLERANCE = 1e-5;
const TEXTS = [
  'hello world',
  'Embeddings for search, clustering and retrieval.',
  'Ünïcödé, 中文 and emoji 🙂 survive the trip.',
];

// `attnserve COMMAND --model demo FLAGS` on JSON lines; its JSON lines out.
function runAttnserve(command, lines, ...flags) {
  const out = execFileSync(BIN, [command, '--model', 'demo', ...flags], {
    input: lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
    encoding: 'utf8',
    timeout: 120000,
  });
  return out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

function assertClose(got, want) {
  assert.equal(got.length, want.length);
  const diff = Math.max(...got.map((v, i) => Math.abs(v - want[i])));
  assert.ok(diff <= TOLERANCE, `max |diff| ${diff} > ${TOLERANCE}`);
}

describe('plaintext server', () => {
  let client;
  before(() => { client = new EmbedderClient(TARGET, { timeoutMs: 30000 }); });
  after(() => client.close());

  test('the example script prints the vectors encode gives', () => {
    const out = execFileSync(process.execPath, [EXAMPLE, '--target', TARGET, ...TEXTS],
      { encoding: 'utf8', timeout: 60000 });
    const got = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const want = runAttnserve('encode', TEXTS.map((text) => ({ text })));
    assert.deepEqual(got.map((g) => g.text), TEXTS);
    assert.deepEqual(got.map((g) => g.num_tokens), want.map((w) => w.num_tokens));
    got.forEach((g, i) => assertClose(g.embedding, want[i].embedding));
  });

  test('embed with options matches encode', async () => {
    const inputs = [TEXTS[0], ['what is attnserve?', 'an embedding server'], [101, 300, 301, 102]];
    const response = await client.embed(inputs, {
      pooling: 'cls', normalize: false, dimensions: 16, tokenEmbeddings: true,
    });
    const want = runAttnserve('encode', [
      { text: TEXTS[0] },
      { text: 'what is attnserve?', text_pair: 'an embedding server' },
      { ids: [101, 300, 301, 102] },
    ], '--pooling', 'cls', '--normalize=false', '--dimensions', '16', '--token-embeddings');
    assert.equal(response.model, 'demo');
    assert.equal(response.embeddings.length, 3);
    response.embeddings.forEach((e, i) => {
      assert.equal(e.values.length, 16);
      assert.equal(e.num_tokens, want[i].num_tokens);
      assertClose(e.values, want[i].embedding);
      assert.equal(e.token_embeddings.num_tokens, want[i].num_tokens);
      assert.equal(e.token_embeddings.dim, 128);
      assertClose(e.token_embeddings.values, want[i].token_embeddings.flat());
    });
    assert.equal(response.usage.prompt_tokens, want.reduce((s, w) => s + w.num_tokens, 0));
  });

  test('the stream answers each request in order', async () => {
    const batches = [[TEXTS[0]], [TEXTS[1], TEXTS[2]], [TEXTS[2]]];
    const call = client.embedStream();
    const responses = [];
    const done = new Promise((resolve, reject) => {
      call.on('data', (r) => responses.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const b of batches) call.write(client.embedRequest(b));
    call.end();
    await done;
    const want = Object.fromEntries(runAttnserve('encode', TEXTS.map((text) => ({ text })))
      .map((w, i) => [TEXTS[i], w.embedding]));
    assert.deepEqual(responses.map((r) => r.embeddings.length), [1, 2, 1]);
    batches.forEach((b, i) => b.forEach((t, j) => assertClose(responses[i].embeddings[j].values, want[t])));
  });

  test('objects speak the commands vocabulary', async () => {
    const got = await client.embedObjects(TEXTS.slice(0, 2), { dimensions: 8, tokenEmbeddings: true });
    const want = runAttnserve('encode', TEXTS.slice(0, 2).map((text) => ({ text })),
      '--dimensions', '8', '--token-embeddings');
    got.forEach((g, i) => {
      assert.deepEqual(Object.keys(g).sort(), Object.keys(want[i]).sort());
      assert.equal(g.num_tokens, want[i].num_tokens);
      assertClose(g.embedding, want[i].embedding);
      assert.deepEqual(g.token_embeddings.map((r) => r.length), want[i].token_embeddings.map((r) => r.length));
    });
    assert.deepEqual(await client.tokenizeObjects(TEXTS), runAttnserve('tokenize', TEXTS.map((text) => ({ text }))));
    const info = infoObject(await client.info());
    assert.deepEqual([info.default_pooling, info.dtype, info.weights_dtype], ['mean', 'fp32', 'fp32']);
  });

  test('tokenize matches the tokenize command', async () => {
    const response = await client.tokenize(TEXTS);
    const want = runAttnserve('tokenize', TEXTS.map((text) => ({ text })));
    assert.deepEqual(response.tokens.map((t) => t.ids), want.map((w) => w.ids));
    assert.deepEqual(response.tokens.map((t) => t.tokens), want.map((w) => w.tokens));
  });

  test('info and health', async () => {
    const info = await client.info();
    assert.deepEqual([info.model_id, info.hidden_size, info.max_input_length], ['demo', 128, 512]);
    assert.equal(await client.health(), 'SERVING');
    assert.equal(await client.health('attnserve.v1.Embedder'), 'SERVING');
  });

  test('empty text is INVALID_ARGUMENT naming the input', async () => {
    await assert.rejects(client.embed(['fine', '']), (err) => {
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.equal(err.codeName, 'INVALID_ARGUMENT');
      assert.match(err.details, /input 1/);
      return true;
    });
  });
});

describe('decode', () => {
  let client;
  before(() => { client = new EmbedderClient(TARGET, { timeoutMs: 30000 }); });
  after(() => client.close());

  test('gives back the tokenized text', async () => {
    const ids = (await client.tokenizeObjects(['Hello, world!', 'two'])).map((t) => t.ids);
    assert.deepEqual(await client.decode(ids), ['hello, world!', 'two']);
    assert.deepEqual(await client.decode(ids.slice(0, 1), { skipSpecialTokens: false }),
      ['[CLS] hello, world! [SEP]']);
    await assert.rejects(client.decode([[101, 1 << 20]]),
      (err) => err.code === status.INVALID_ARGUMENT && /outside the vocabulary/.test(err.message));
  });
});

describe('request ids', () => {
  let client;
  before(() => { client = new EmbedderClient(TARGET, { timeoutMs: 30000 }); });
  after(() => client.close());

  test('reach the access log and the errors', async () => {
    await client.embed(['logged under my id'], { requestId: 'node-req-ok' });
    await assert.rejects(client.embed([[101, 999999, 102]], { requestId: 'node-req-bad' }), (err) => {
      assert.equal(err.requestId, 'node-req-bad');
      assert.match(err.message, /\[request id node-req-bad\]$/);
      return true;
    });
    let made;
    await assert.rejects(client.embed(['']), (err) => {
      made = err.requestId;
      assert.match(made || '', /^[0-9a-f]{16}$/);  // made by the server
      return true;
    });
    if (process.env.ATTNSERVE_LOG) {
      const log = require('node:fs').readFileSync(process.env.ATTNSERVE_LOG, 'utf8');
      assert.match(log, /request_id=node-req-ok .*code=OK/);
      assert.match(log, /request_id=node-req-bad .*code=INVALID_ARGUMENT/);
      assert.ok(log.includes(`request_id=${made} `), `no line for ${made}`);
    }
  });
});

describe('TLS server with API keys', { skip: !process.env.ATTNSERVE_TLS_TARGET }, () => {
  const tlsTarget = process.env.ATTNSERVE_TLS_TARGET;
  const ca = process.env.ATTNSERVE_CA;
  const key = process.env.ATTNSERVE_API_KEY;

  test('TLS with the key embeds', async () => {
    const c = new EmbedderClient(tlsTarget, { caPem: ca, apiKey: key });
    try {
      const [got] = await c.embedTexts([TEXTS[0]]);
      assertClose(got, runAttnserve('encode', [{ text: TEXTS[0] }])[0].embedding);
    } finally { c.close(); }
  });

  test('a missing key is UNAUTHENTICATED, health still answers', async () => {
    const c = new EmbedderClient(tlsTarget, { caPem: ca });
    try {
      assert.equal(await c.health(), 'SERVING');
      await assert.rejects(c.embed([TEXTS[0]]), (err) => err.code === status.UNAUTHENTICATED);
    } finally { c.close(); }
  });

  test('a plaintext client cannot talk to a TLS server', async () => {
    const c = new EmbedderClient(tlsTarget, { apiKey: key, timeoutMs: 5000, retryUnavailable: false });
    try {
      await assert.rejects(c.info(), (err) => err.code === status.UNAVAILABLE &&
        /it may require TLS \(pass tls: true/.test(err.message));
    } finally { c.close(); }
  });

  test('failed handshakes say which side refused what', async () => {
    const cases = [
      ['no CA for a private certificate', tlsTarget, { tls: true },
        /the client refused the server's certificate: it is not signed by a CA of the system's trust store \(pass caPem/],
      ['a name the certificate lacks', tlsTarget, { caPem: ca, serverName: 'wrong.example' },
        /not issued for the target's host name \(pass serverName/],
      ['TLS to a plaintext server', process.env.ATTNSERVE_TARGET, { caPem: ca, serverName: 'localhost' },
        /the server does not speak TLS but the client does/],
    ];
    for (const [name, target, options, want] of cases) {
      const c = new EmbedderClient(target, { timeoutMs: 5000, retryUnavailable: false, ...options });
      try {
        await assert.rejects(c.health(), (err) => {
          assert.equal(err.code, status.UNAVAILABLE, name);
          assert.match(err.message, want, name);
          return true;
        });
      } finally { c.close(); }
    }
  });
});
