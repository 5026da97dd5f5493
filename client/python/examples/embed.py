#!/usr/bin/env python3
"""Embeds texts with a running attnserve and prints one JSON line per text.

    PYTHONPATH=build/release/client/python/gen:client/python \
        /usr/bin/python3 client/python/examples/embed.py --target localhost:50051 "hello" "world"

Options: --tls/--ca/--cert/--key for TLS, --api-key, --pooling cls|mean|max, --dimensions N,
--info (print the model instead), --tokens (print tokens instead).
"""

import argparse
import json
import sys

import attnserve_client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", help="texts to embed (default: lines of stdin)")
    parser.add_argument("--target", default="localhost:50051")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--ca", help="PEM CA file that signed the server's certificate")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM client key (mutual TLS)")
    parser.add_argument("--server-name", help="TLS name to expect instead of the target's host")
    parser.add_argument("--api-key")
    parser.add_argument("--pooling", choices=["cls", "mean", "max"])
    parser.add_argument("--dimensions", type=int, default=0)
    parser.add_argument("--info", action="store_true", help="print the model and limits")
    parser.add_argument("--tokens", action="store_true", help="print tokens instead")
    args = parser.parse_args()

    client = attnserve_client.EmbedderClient(
        args.target,
        tls=args.tls or bool(args.server_name),
        ca_pem=args.ca,
        client_cert_pem=args.cert,
        client_key_pem=args.key,
        server_name=args.server_name,
        api_key=args.api_key,
    )
    with client:
        try:
            if args.info:
                info = client.info()
                print(json.dumps({"model": info.model_id, "hidden_size": info.hidden_size,
                                  "max_input_length": info.max_input_length,
                                  "server_version": info.server_version}))
                return 0
            texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
            if args.tokens:
                for t in client.tokenize(texts).tokens:
                    print(json.dumps({"ids": list(t.ids), "tokens": list(t.tokens)}))
                return 0
            response = client.embed(texts, pooling=args.pooling, dimensions=args.dimensions)
        except attnserve_client.Error as e:
            print("embed.py: %s" % e, file=sys.stderr)
            return 1
    for text, e in zip(texts, response.embeddings):
        print(json.dumps({"text": text, "num_tokens": e.num_tokens, "embedding": list(e.values)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
