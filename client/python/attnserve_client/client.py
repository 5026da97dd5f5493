"""EmbedderClient: a thin, typed wrapper over the generated attnserve.v1 stubs.

The wrapper adds what every caller would otherwise repeat: TLS and API-key options, a per-call
deadline, retries of UNAVAILABLE through gRPC's service-config retry policy (the same policy as
the C++ client), optional client-side round-robin over every address a DNS name resolves to, and
convenient input forms. Responses are the protobuf messages themselves (`pb.EmbedResponse`, ...);
embedding_dict(), tokens_dict() and info_dict() (and embed_dicts() / tokenize_dicts()) turn them
into the plain dicts the command-line tools print (README.md, "Output format").

Thread-safety: an EmbedderClient may be shared by threads (a grpc.Channel is thread-safe).
"""

import json
import os
import sys

import grpc


def _import_stubs():
    stubs = os.environ.get("ATTNSERVE_PY_STUBS")
    if stubs and stubs not in sys.path:
        sys.path.insert(0, stubs)
    try:
        from attnserve.v1 import attnserve_pb2, attnserve_pb2_grpc
        from attnserve_health.v1 import health_pb2, health_pb2_grpc
    except ImportError as e:
        raise ImportError(
            "attnserve_client: the generated stubs are not importable (%s). Generate them with "
            "client/python/generate_stubs.sh OUT_DIR (or build the CMake target "
            "attnserve_python_stubs: build/PRESET/client/python/gen) and put that directory on "
            "PYTHONPATH or in ATTNSERVE_PY_STUBS." % e
        ) from e
    return attnserve_pb2, attnserve_pb2_grpc, health_pb2, health_pb2_grpc


pb, _pb_grpc, _health_pb, _health_grpc = _import_stubs()


class Error(Exception):
    """A failed call: `code` is the grpc.StatusCode, `details` the server's message (with, for a
    connection that failed, which side refused what and the option that changes it), and
    `request_id` the id the server logged the call under (None when no server answered)."""

    def __init__(self, code, details, request_id=None):
        message = "%s: %s" % (code.name, details)
        if request_id:
            message += " [request id %s]" % request_id
        super().__init__(message)
        self.code = code
        self.details = details
        self.request_id = request_id


def connection_hint(details, *, tls, ca_given, client_cert_given):
    """What a failed connection's gRPC message means, in the client's own option names; "" when
    it is not a connection failure this knows. The same reading as the C++ client's
    ConnectionHint (Debian's grpcio reports the OpenSSL reason in the message)."""
    if "wrong version number" in details:
        return "the server does not speak TLS but the client does: drop tls / ca_pem"
    if "certificate verify failed" in details:
        return ("the client refused the server's certificate: it is not signed by " +
                ("the CA given as ca_pem" if ca_given else
                 "a CA of the system's trust store (pass ca_pem with the CA that signed it)") +
                ", or it has expired")
    if "not in peer certificate" in details:
        return ("the client refused the server's certificate: it is not issued for the target's "
                "host name (pass server_name with a name the certificate holds)")
    if "Connection refused" in details:
        return "nothing listens at the target: is the server running, and is the target right?"
    if "Socket closed" in details or "Connection reset" in details:
        if not tls:
            return ("the server closed the connection before any answer: it may require TLS "
                    "(pass tls=True, and ca_pem when its certificate is not from a system CA)")
        if not client_cert_given:
            return ("the server closed the TLS handshake: it may require a client certificate "
                    "(mutual TLS: pass client_cert_pem and client_key_pem)")
        return ("the server refused the TLS handshake: it may not trust the CA that signed the "
                "client certificate (the server's --tls-client-ca)")
    return ""


class Pooling:
    UNSPECIFIED = pb.POOLING_UNSPECIFIED  # the model's default
    CLS = pb.POOLING_CLS
    MEAN = pb.POOLING_MEAN
    MAX = pb.POOLING_MAX

    @staticmethod
    def parse(value):
        """None, a Pooling value, or 'cls' / 'mean' / 'max'."""
        if value is None:
            return pb.POOLING_UNSPECIFIED
        if isinstance(value, str):
            names = {"cls": pb.POOLING_CLS, "mean": pb.POOLING_MEAN, "max": pb.POOLING_MAX}
            if value.lower() not in names:
                raise ValueError("pooling must be cls, mean or max; was %r" % value)
            return names[value.lower()]
        return value


def text_input(text, text_pair=""):
    """An Input holding text (and an optional second segment)."""
    return pb.Input(text=text, text_pair=text_pair)


def token_ids_input(ids, type_ids=()):
    """An Input holding token ids, used as given (no special tokens are added)."""
    return pb.Input(token_ids=pb.TokenIds(ids=list(ids), type_ids=list(type_ids)))


def _to_input(item):
    if isinstance(item, pb.Input):
        return item
    if isinstance(item, str):
        return text_input(item)
    if isinstance(item, tuple) and len(item) == 2 and all(isinstance(s, str) for s in item):
        return text_input(item[0], item[1])
    if isinstance(item, (list, tuple)) and all(isinstance(i, int) for i in item):
        return token_ids_input(item)
    raise TypeError(
        "an input is a str, a (text, text_pair) tuple, a list of token ids or a pb.Input; "
        "got %r" % (item,)
    )


def embedding_values(response):
    """The pooled vectors of an EmbedResponse as lists of floats, in input order."""
    return [list(e.values) for e in response.embeddings]


# The project's one output vocabulary (README.md, "Output format"): what `attnserve encode`,
# `attnserve tokenize` and `attnserve-cli` print, as plain dicts.
def embedding_dict(embedding):
    """A pb.Embedding as {"embedding": [...], "num_tokens": N} (+ "token_embeddings": one list
    per token when asked for, "truncated": True when cut)."""
    d = {"embedding": list(embedding.values), "num_tokens": embedding.num_tokens}
    t = embedding.token_embeddings
    if embedding.HasField("token_embeddings") and t.dim > 0:
        values = list(t.values)
        d["token_embeddings"] = [values[i * t.dim:(i + 1) * t.dim] for i in range(t.num_tokens)]
    if embedding.truncated:
        d["truncated"] = True
    return d


def tokens_dict(tokens):
    """A pb.Tokens as {"ids", "type_ids", "tokens", "offsets": [[start, end], ...], "num_tokens"}
    (+ "truncated": True when cut)."""
    d = {
        "ids": list(tokens.ids),
        "type_ids": list(tokens.type_ids),
        "tokens": list(tokens.tokens),
        "offsets": [[s, e] for s, e in zip(tokens.offsets_start, tokens.offsets_end)],
        "num_tokens": len(tokens.ids),
    }
    if tokens.truncated:
        d["truncated"] = True
    return d


def info_dict(info):
    """A pb.InfoResponse as a dict: proto field names, every field, numbers as numbers, the
    pooling and dtypes lowercase ("mean", "fp32")."""
    from google.protobuf import json_format

    d = json_format.MessageToDict(
        info, preserving_proto_field_name=True, including_default_value_fields=True
    )
    d["default_pooling"] = pb.Pooling.Name(info.default_pooling).replace("POOLING_", "").lower()
    for key in ("dtype", "weights_dtype"):
        d[key] = {"f32": "fp32", "f16": "fp16"}.get(d[key].lower(), d[key].lower())
    d["batching"] = {k: int(v) for k, v in d.get("batching", {}).items()}
    return d


def _service_config(retry_unavailable, round_robin):
    config = {}
    if round_robin:
        config["loadBalancingConfig"] = [{"round_robin": {}}]
    if retry_unavailable:
        config["methodConfig"] = [
            {
                "name": [{"service": "attnserve.v1.Embedder"}, {"service": "grpc.health.v1.Health"}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    return json.dumps(config)


def _read_pem(value):
    """PEM given as bytes, as text, or as the path of a file."""
    if value is None or isinstance(value, bytes):
        return value
    if "-----BEGIN" in value:
        return value.encode()
    with open(value, "rb") as f:
        return f.read()


class EmbedderClient:
    """One gRPC channel to an attnserve server.

    target: "host:port", or "dns:///name:port" with round_robin=True to spread calls over every
        address the name resolves to (e.g. a Kubernetes headless Service).
    tls: use TLS; ca_pem (bytes, text or a file path; None = the system roots) verifies the server,
        client_cert_pem + client_key_pem enable mutual TLS, server_name overrides the name
        expected in the server's certificate.
    api_key: sent on every call as "authorization: Bearer KEY".
    timeout: deadline of each call in seconds (None = no deadline).
    retry_unavailable: retry UNAVAILABLE up to 4 attempts with 0.1 s .. 1 s backoff.
    """

    def __init__(
        self,
        target="localhost:50051",
        *,
        tls=False,
        ca_pem=None,
        client_cert_pem=None,
        client_key_pem=None,
        server_name=None,
        api_key=None,
        timeout=60.0,
        retry_unavailable=True,
        round_robin=False,
        max_message_bytes=64 << 20,
    ):
        if (client_cert_pem is None) != (client_key_pem is None):
            raise ValueError("client_cert_pem and client_key_pem go together")
        options = [
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.service_config", _service_config(retry_unavailable, round_robin)),
        ]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        self._tls = bool(tls or ca_pem is not None or client_cert_pem is not None or server_name)
        self._ca_given = ca_pem is not None
        self._client_cert_given = client_cert_pem is not None
        if self._tls:
            creds = grpc.ssl_channel_credentials(
                root_certificates=_read_pem(ca_pem),
                private_key=_read_pem(client_key_pem),
                certificate_chain=_read_pem(client_cert_pem),
            )
            self._channel = grpc.secure_channel(target, creds, options=options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
        self._metadata = (("authorization", "Bearer " + api_key),) if api_key else ()
        self._timeout = timeout
        self._stub = _pb_grpc.EmbedderStub(self._channel)
        self._health = _health_grpc.HealthStub(self._channel)

    # -- lifetime ---------------------------------------------------------------------------
    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def channel(self):
        return self._channel

    def _call_metadata(self, request_id):
        if request_id is None:
            return self._metadata
        return self._metadata + (("x-request-id", request_id),)

    def _error(self, e):
        """An Error from a grpc.RpcError: the connection hint and the server's request id."""
        details = e.details() or ""
        if e.code() == grpc.StatusCode.UNAVAILABLE:
            hint = connection_hint(details, tls=self._tls, ca_given=self._ca_given,
                                   client_cert_given=self._client_cert_given)
            if hint:
                details += " -- " + hint
        request_id = None
        try:
            request_id = dict(e.initial_metadata() or ()).get("x-request-id")
        except Exception:  # an RpcError that is not a Call (e.g. raised before the call began)
            pass
        return Error(e.code(), details, request_id)

    def _call(self, method, request, timeout, request_id=None):
        try:
            return method(
                request,
                timeout=self._timeout if timeout is None else timeout,
                metadata=self._call_metadata(request_id),
            )
        except grpc.RpcError as e:
            raise self._error(e) from None

    # -- RPCs -------------------------------------------------------------------------------
    def embed_request(
        self,
        inputs,
        *,
        pooling=None,
        normalize=None,
        truncate=None,
        truncate_left=False,
        dimensions=0,
        token_embeddings=False,
    ):
        """An EmbedRequest from inputs (str, (text, pair), [ids], pb.Input) and options."""
        request = pb.EmbedRequest(
            inputs=[_to_input(i) for i in inputs],
            pooling=Pooling.parse(pooling),
            dimensions=dimensions,
            return_token_embeddings=token_embeddings,
        )
        if normalize is not None:
            request.normalize = normalize
        if truncate is not None:
            request.truncate = truncate
        if truncate_left:
            request.truncation_direction = pb.TRUNCATION_DIRECTION_LEFT
        return request

    def embed(self, inputs, *, timeout=None, request_id=None, **options):
        """Embed: one pb.Embedding per input, in order. Options as embed_request(); request_id
        is sent as x-request-id (the server's access log carries it)."""
        return self._call(self._stub.Embed, self.embed_request(inputs, **options), timeout,
                          request_id)

    def embed_texts(self, texts, **options):
        """The pooled vectors of `texts` (lists of floats)."""
        return embedding_values(self.embed(texts, **options))

    def embed_dicts(self, inputs, **options):
        """Embed, as the CLI prints it: one embedding_dict() per input."""
        return [embedding_dict(e) for e in self.embed(inputs, **options).embeddings]

    def tokenize_dicts(self, inputs, **options):
        """Tokenize, as the CLI prints it: one tokens_dict() per input."""
        return [tokens_dict(t) for t in self.tokenize(inputs, **options).tokens]

    def embed_stream(self, requests, *, timeout=None, request_id=None):
        """EmbedStream: yields one EmbedResponse per request, in order.

        `requests` is an iterable of pb.EmbedRequest or of input lists (each becomes a request
        with the model's defaults). It is consumed on a gRPC thread as responses flow.
        """

        def messages():
            for r in requests:
                yield r if isinstance(r, pb.EmbedRequest) else self.embed_request(r)

        try:
            for response in self._stub.EmbedStream(
                messages(),
                timeout=self._timeout if timeout is None else timeout,
                metadata=self._call_metadata(request_id),
            ):
                yield response
        except grpc.RpcError as e:
            raise self._error(e) from None

    def tokenize(self, inputs, *, add_special_tokens=True, truncate=False, timeout=None,
                 request_id=None):
        """Tokenize: ids, type ids, tokens and byte offsets of each input."""
        request = pb.TokenizeRequest(
            inputs=[_to_input(i) for i in inputs],
            add_special_tokens=add_special_tokens,
            truncate=truncate,
        )
        return self._call(self._stub.Tokenize, request, timeout, request_id)

    def decode(self, ids_lists, *, skip_special_tokens=True, timeout=None, request_id=None):
        """Decode: the text of each list of token ids (as the tokenizer.json decoder gives it)."""
        request = pb.DecodeRequest(inputs=[pb.TokenIds(ids=list(ids)) for ids in ids_lists],
                                   skip_special_tokens=skip_special_tokens)
        return list(self._call(self._stub.Decode, request, timeout, request_id).texts)

    def info(self, *, timeout=None, request_id=None):
        """Info: the model (id, sizes, defaults) and the server's batching limits."""
        return self._call(self._stub.Info, pb.InfoRequest(), timeout, request_id)

    def health(self, service="", *, timeout=None):
        """The serving status name of `service` ("" = the whole server): "SERVING", ..."""
        response = self._call(
            self._health.Check, _health_pb.HealthCheckRequest(service=service), timeout
        )
        return _health_pb.HealthCheckResponse.ServingStatus.Name(response.status)
