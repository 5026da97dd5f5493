"""Python client of attnserve: Embed, EmbedStream, Tokenize, Info and Health over gRPC.

    from attnserve_client import EmbedderClient
    with EmbedderClient("localhost:50051") as client:
        vectors = client.embed_texts(["hello world", "goodbye"])

Needs Debian's python3-grpcio and python3-protobuf, and the stubs generated from proto/ by
client/python/generate_stubs.sh (the CMake build does it into build/PRESET/client/python/gen):
put that directory and client/python on PYTHONPATH, or set ATTNSERVE_PY_STUBS to it.
"""

from attnserve_client.client import (
    EmbedderClient,
    Error,
    Pooling,
    embedding_dict,
    embedding_values,
    info_dict,
    pb,
    text_input,
    token_ids_input,
    tokens_dict,
)

__all__ = [
    "EmbedderClient",
    "Error",
    "Pooling",
    "embedding_dict",
    "embedding_values",
    "info_dict",
    "pb",
    "text_input",
    "token_ids_input",
    "tokens_dict",
]
