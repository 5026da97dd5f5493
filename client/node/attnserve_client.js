// Node.js client of attnserve: Embed, EmbedStream, Tokenize, Info and Health over gRPC, with
// @grpc/grpc-js and the API loaded at run time from proto/ by @grpc/proto-loader (nothing is
// generated or committed).
//
//   const { EmbedderClient } = require('./attnserve_client');
//   const client = new EmbedderClient('localhost:50051');
//   const vectors = await client.embedTexts(['hello world', 'goodbye']);
//   client.close();
//
// Options: TLS (caPem / clientCertPem + clientKeyPem / serverName), an API key sent as
// "authorization: Bearer KEY", a per-call deadline, retries of UNAVAILABLE through gRPC's
// service-config retry policy (the C++ and Python clients use the same), and client-side
// round-robin over every address a DNS name resolves to. Messages keep the proto's field names
// (keepCase): response.embeddings[0].values, info.max_input_length, ...; embeddingObject(),
// tokensObject(), infoObject() (and embedObjects() / tokenizeObjects()) give the plain objects
// the command-line tools print (README.md, "Output format").
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

function loadApi(protoDir) {
  const definition = protoLoader.loadSync(
    ['attnserve/v1/attnserve.proto', 'grpc/health/v1/health.proto'],
    {
      includeDirs: [protoDir],
      keepCase: true,
      longs: Number,  // uint64 timings fit a double exactly up to 2^53 us
      enums: String,
      defaults: true,
      oneofs: true,
    });
  return grpc.loadPackageDefinition(definition);
}

// A failed call: `code` is the numeric gRPC status, `codeName` its name (INVALID_ARGUMENT, ...).
const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

// What a failed connection's message means, in this client's option names; '' when it is not a
// connection failure this knows. The same reading as the C++ and Python clients' hints, for the
// messages of Node's own TLS (OpenSSL through node:tls).
function connectionHint(message, { tls, caGiven, clientCertGiven }) {
  if (/wrong version number/.test(message)) {
    return 'the server does not speak TLS but the client does: drop tls / caPem';
  }
  if (/unable to verify|self[- ]signed certificate|local issuer|certificate has expired|certificate verify failed/.test(message)) {
    return "the client refused the server's certificate: it is not signed by " +
      (caGiven ? 'the CA given as caPem'
        : "a CA of the system's trust store (pass caPem with the CA that signed it)") +
      ', or it has expired';
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/.test(message)) {
    return "the client refused the server's certificate: it is not issued for the target's " +
      'host name (pass serverName with a name the certificate holds)';
  }
  if (/ECONNREFUSED/.test(message)) {
    return 'nothing listens at the target: is the server running, and is the target right?';
  }
  if (!tls && /Failed to connect|Socket closed|ECONNRESET/.test(message)) {
    return 'the server closed the connection before any answer: it may require TLS ' +
      '(pass tls: true, and caPem when its certificate is not from a system CA)';
  }
  if (tls && /certificate required|handshake failure|ECONNRESET|socket disconnected|Socket closed|Failed to connect/.test(message)) {
    return clientCertGiven
      ? 'the server refused the TLS handshake: it may not trust the CA that signed the client ' +
        "certificate (the server's --tls-client-ca)"
      : 'the server closed the TLS handshake: it may require a client certificate ' +
        '(mutual TLS: pass clientCertPem and clientKeyPem)';
  }
  return '';
}

// A failed call's error: `codeName` (INVALID_ARGUMENT, ...), the connection hint appended to the
// message of UNAVAILABLE, and `requestId`, the id the server logged the call under (from its
// initial metadata, or the trailers of a trailers-only answer; undefined when no server answered).
function wrapError(err, { initialMetadata, hintOptions } = {}) {
  if (!err || typeof err.code !== 'number') return err;
  err.codeName = CODE_NAMES[err.code] || 'UNKNOWN';
  if (err.code === grpc.status.UNAVAILABLE && hintOptions) {
    const hint = connectionHint(err.message, hintOptions);
    if (hint) {
      err.details = `${err.details} -- ${hint}`;
      err.message = `${err.message} -- ${hint}`;
    }
  }
  const id = (initialMetadata && initialMetadata.get('x-request-id')[0]) ||
    (err.metadata && err.metadata.get('x-request-id')[0]);
  if (id) {
    err.requestId = String(id);
    err.message = `${err.message} [request id ${err.requestId}]`;
  }
  return err;
}

function serviceConfig(retryUnavailable, roundRobin) {
  const config = {};
  if (roundRobin) config.loadBalancingConfig = [{ round_robin: {} }];
  if (retryUnavailable) {
    config.methodConfig = [{
      name: [{ service: 'attnserve.v1.Embedder' }, { service: 'grpc.health.v1.Health' }],
      retryPolicy: {
        maxAttempts: 4,
        initialBackoff: '0.1s',
        maxBackoff: '1s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    }];
  }
  return JSON.stringify(config);
}

// PEM as a Buffer, as text, or as the path of a file.
function readPem(value) {
  if (value == null || Buffer.isBuffer(value)) return value || null;
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  return fs.readFileSync(value);
}

// An Input from a string, a [text, textPair] pair of strings, an array of token ids (used as
// given: no special tokens are added) or an Input object ({text}, {token_ids: {ids}}).
function toInput(item) {
  if (typeof item === 'string') return { text: item };
  if (Array.isArray(item) && item.length === 2 && item.every((s) => typeof s === 'string')) {
    return { text: item[0], text_pair: item[1] };
  }
  if (Array.isArray(item) && item.every(Number.isInteger)) return { token_ids: { ids: item } };
  if (item && typeof item === 'object') return item;
  throw new TypeError(`an input is a string, a [text, textPair] pair, token ids or an Input; got ${item}`);
}

const POOLING = { cls: 'POOLING_CLS', mean: 'POOLING_MEAN', max: 'POOLING_MAX' };

// The project's one output vocabulary (README.md, "Output format"): what `attnserve encode`,
// `attnserve tokenize` and `attnserve-cli` print, as plain objects.
// An Embedding as {embedding: [...], num_tokens} (+ token_embeddings: one array per token when
// asked for, truncated: true when cut).
function embeddingObject(e) {
  const out = { embedding: Array.from(e.values), num_tokens: e.num_tokens };
  const t = e.token_embeddings;
  if (t && t.dim > 0) {
    out.token_embeddings = [];
    for (let i = 0; i < t.num_tokens; i++) {
      out.token_embeddings.push(Array.from(t.values.slice(i * t.dim, (i + 1) * t.dim)));
    }
  }
  if (e.truncated) out.truncated = true;
  return out;
}

// A Tokens message as {ids, type_ids, tokens, offsets: [[start, end], ...], num_tokens}
// (+ truncated: true when cut).
function tokensObject(t) {
  const out = {
    ids: Array.from(t.ids),
    type_ids: Array.from(t.type_ids),
    tokens: Array.from(t.tokens),
    offsets: t.offsets_start.map((s, i) => [s, t.offsets_end[i]]),
    num_tokens: t.ids.length,
  };
  if (t.truncated) out.truncated = true;
  return out;
}

// "mean" for POOLING_MEAN, lowercase dtypes: InfoResponse as the CLI prints it.
function infoObject(info) {
  const dtype = (d) => ({ f32: 'fp32', f16: 'fp16' }[String(d).toLowerCase()] || String(d).toLowerCase());
  return {
    ...info,
    default_pooling: String(info.default_pooling).replace(/^POOLING_/, '').toLowerCase(),
    dtype: dtype(info.dtype),
    weights_dtype: dtype(info.weights_dtype),
  };
}

class EmbedderClient {
  // target: "host:port", or "dns:///name:port" with roundRobin to balance over a headless Service.
  constructor(target = 'localhost:50051', options = {}) {
    const {
      tls = false, caPem, clientCertPem, clientKeyPem, serverName, apiKey,
      timeoutMs = 60000, retryUnavailable = true, roundRobin = false,
      maxMessageBytes = 64 << 20, protoDir = DEFAULT_PROTO_DIR,
    } = options;
    if ((clientCertPem == null) !== (clientKeyPem == null)) {
      throw new Error('clientCertPem and clientKeyPem go together');
    }
    const api = loadApi(protoDir);
    const channelOptions = {
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
      'grpc.service_config': serviceConfig(retryUnavailable, roundRobin),
    };
    if (serverName) {
      channelOptions['grpc.ssl_target_name_override'] = serverName;
      channelOptions['grpc.default_authority'] = serverName;
    }
    const useTls = !!(tls || caPem != null || clientCertPem != null || serverName);
    this.hintOptions = { tls: useTls, caGiven: caPem != null, clientCertGiven: clientCertPem != null };
    const creds = useTls
      ? grpc.credentials.createSsl(readPem(caPem), readPem(clientKeyPem), readPem(clientCertPem))
      : grpc.credentials.createInsecure();
    this.embedder = new api.attnserve.v1.Embedder(target, creds, channelOptions);
    // Shares the embedder's channel: one connection for both services.
    this.healthStub = new api.grpc.health.v1.Health(target, creds,
      { ...channelOptions, channelOverride: this.embedder.getChannel() });
    this.timeoutMs = timeoutMs;
    this.metadata = new grpc.Metadata();
    if (apiKey) this.metadata.set('authorization', `Bearer ${apiKey}`);
  }

  close() {
    this.embedder.close();
  }

  callOptions(timeoutMs) {
    const ms = timeoutMs === undefined ? this.timeoutMs : timeoutMs;
    return ms == null ? {} : { deadline: new Date(Date.now() + ms) };
  }

  // The call's metadata: the API key, and requestId as x-request-id (the server's access log
  // carries it; without one the server makes one).
  callMetadata(requestId) {
    if (requestId == null) return this.metadata;
    const md = this.metadata.clone();
    md.set('x-request-id', String(requestId));
    return md;
  }

  unary(stub, method, request, { timeoutMs, requestId } = {}) {
    return new Promise((resolve, reject) => {
      let initialMetadata;
      const call = stub[method](request, this.callMetadata(requestId), this.callOptions(timeoutMs),
        (err, response) => {
          if (err) reject(wrapError(err, { initialMetadata, hintOptions: this.hintOptions }));
          else resolve(response);
        });
      call.on('metadata', (md) => { initialMetadata = md; });
    });
  }

  // An EmbedRequest from inputs and options {pooling: 'cls'|'mean'|'max', normalize, truncate,
  // truncateLeft, dimensions, tokenEmbeddings}.
  embedRequest(inputs, options = {}) {
    const request = {
      inputs: inputs.map(toInput),
      pooling: options.pooling ? POOLING[options.pooling] : 'POOLING_UNSPECIFIED',
      dimensions: options.dimensions || 0,
      return_token_embeddings: !!options.tokenEmbeddings,
    };
    if (options.pooling && !request.pooling) {
      throw new Error(`pooling must be cls, mean or max; was ${options.pooling}`);
    }
    if (options.normalize !== undefined) request.normalize = options.normalize;
    if (options.truncate !== undefined) request.truncate = options.truncate;
    if (options.truncateLeft) request.truncation_direction = 'TRUNCATION_DIRECTION_LEFT';
    return request;
  }

  // Embed: resolves to the EmbedResponse (one embedding per input, in order).
  embed(inputs, options = {}) {
    return this.unary(this.embedder, 'Embed', this.embedRequest(inputs, options), options);
  }

  // The pooled vectors of `texts` (arrays of numbers).
  async embedTexts(texts, options = {}) {
    const response = await this.embed(texts, options);
    return response.embeddings.map((e) => e.values);
  }

  // Embed, as the CLI prints it: one embeddingObject() per input.
  async embedObjects(inputs, options = {}) {
    const response = await this.embed(inputs, options);
    return response.embeddings.map(embeddingObject);
  }

  // Tokenize, as the CLI prints it: one tokensObject() per input.
  async tokenizeObjects(inputs, options = {}) {
    const response = await this.tokenize(inputs, options);
    return response.tokens.map(tokensObject);
  }

  // EmbedStream: a grpc-js duplex stream. write() EmbedRequests (see embedRequest), read one
  // EmbedResponse per request, in order ('data' events), end() when done; an 'error' event
  // carries the final status of a failed stream (err.code: see `status`).
  embedStream(timeoutMs, { requestId } = {}) {
    return this.embedder.EmbedStream(this.callMetadata(requestId), this.callOptions(timeoutMs));
  }

  tokenize(inputs, { addSpecialTokens = true, truncate = false, timeoutMs, requestId } = {}) {
    const request = { inputs: inputs.map(toInput), add_special_tokens: addSpecialTokens, truncate };
    return this.unary(this.embedder, 'Tokenize', request, { timeoutMs, requestId });
  }

  // Decode: resolves to the text of each array of token ids.
  async decode(idsLists, { skipSpecialTokens = true, timeoutMs, requestId } = {}) {
    const request = { inputs: idsLists.map((ids) => ({ ids })), skip_special_tokens: skipSpecialTokens };
    const response = await this.unary(this.embedder, 'Decode', request, { timeoutMs, requestId });
    return response.texts;
  }

  info({ timeoutMs, requestId } = {}) {
    return this.unary(this.embedder, 'Info', {}, { timeoutMs, requestId });
  }

  // Resolves to the serving status name of `service` ('' = the whole server): 'SERVING', ...
  async health(service = '', { timeoutMs, requestId } = {}) {
    const response = await this.unary(this.healthStub, 'Check', { service },
      { timeoutMs, requestId });
    return response.status;
  }
}

module.exports = {
  EmbedderClient, toInput, embeddingObject, tokensObject, infoObject, connectionHint,
  status: grpc.status,
};
