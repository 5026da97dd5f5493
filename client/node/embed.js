#!/usr/bin/env node
// Embeds texts with a running attnserve and prints one JSON line per text.
//
//   cd client/node && npm ci && node embed.js --target localhost:50051 "hello" "world"
//
// Flags: --target HOST:PORT, --api-key KEY, TLS as attnserve-cli's (--tls, --ca FILE,
// --cert FILE --key FILE for mutual TLS, --server-name NAME; any of them implies --tls),
// --pooling cls|mean|max,
// --dimensions N, --info (print the model instead), --tokens (print tokens instead).
'use strict';

const { EmbedderClient } = require('./attnserve_client');

function parseArgs(argv) {
  const args = { target: 'localhost:50051', texts: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') args.target = value();
    else if (a === '--api-key') args.apiKey = value();
    else if (a === '--tls') args.tls = true;
    else if (a === '--ca') args.ca = value();
    else if (a === '--cert') args.cert = value();
    else if (a === '--key') args.key = value();
    else if (a === '--server-name') args.serverName = value();
    else if (a === '--pooling') args.pooling = value();
    else if (a === '--dimensions') args.dimensions = Number(value());
    else if (a === '--info') args.info = true;
    else if (a === '--tokens') args.tokens = true;
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else args.texts.push(a);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const client = new EmbedderClient(args.target, {
    apiKey: args.apiKey, serverName: args.serverName,
    tls: Boolean(args.tls || args.ca || args.cert || args.key || args.serverName),
    caPem: args.ca, clientCertPem: args.cert, clientKeyPem: args.key,
  });
  try {
    if (args.info) {
      const info = await client.info();
      console.log(JSON.stringify({ model: info.model_id, hidden_size: info.hidden_size,
        max_input_length: info.max_input_length, server_version: info.server_version }));
      return 0;
    }
    let texts = args.texts;
    if (texts.length === 0) {
      texts = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
    }
    if (args.tokens) {
      for (const t of (await client.tokenize(texts)).tokens) {
        console.log(JSON.stringify({ ids: t.ids, tokens: t.tokens }));
      }
      return 0;
    }
    const response = await client.embed(texts, { pooling: args.pooling, dimensions: args.dimensions });
    response.embeddings.forEach((e, i) => {
      console.log(JSON.stringify({ text: texts[i], num_tokens: e.num_tokens, embedding: e.values }));
    });
    return 0;
  } catch (err) {
    console.error(`embed.js: ${err.codeName || ''} ${err.details || err.message}`);
    return 1;
  } finally {
    client.close();
  }
}

main().then((code) => { process.exitCode = code; });
