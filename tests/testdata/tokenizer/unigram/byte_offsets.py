"""The Python binding of tokenizers reports offsets in characters; attnserve (and the Rust
crate) in bytes of the UTF-8. byte_offsets(encoding, text, pair) converts."""


def _char_to_byte(s):
    pos = [0]
    for c in s:
        pos.append(pos[-1] + len(c.encode("utf-8")))
    return pos


def byte_offsets(e, text, pair=None):
    maps = [_char_to_byte(text), _char_to_byte(pair or "")]
    out = []
    for (s, t), seq, special in zip(e.offsets, e.sequence_ids, e.special_tokens_mask):
        if seq is None:
            out.append([s, t])
        else:
            out.append([maps[seq][s], maps[seq][t]])
    return out
