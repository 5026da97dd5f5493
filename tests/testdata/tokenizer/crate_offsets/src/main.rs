//! Reads ../bpe/pipelines.json and writes, for every case, the ids and the byte offsets the
//! tokenizers crate gives on the case's texts (and pairs) plus EXTRA texts: whitespace that
//! byte-level trimming cuts inside a character, where the Python binding's character offsets
//! cannot show what the crate does.
use serde_json::{json, Value};
use tokenizers::{EncodeInput, Tokenizer};

const EXTRA: &[&str] = &[
    "\u{3000}a", " \u{3000} é", "a\u{3000}\u{3000}b", "\u{2003}\u{2003}x", "a\u{a0}\u{a0}",
    "\t\u{3000}\n", "é", "日本語 \u{3000}", "x \u{85} y", "\u{200b} \u{feff}z",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(&args[1]).expect("read")).expect("json");
    let mut cases = serde_json::Map::new();
    for case in fixture["cases"].as_array().expect("cases") {
        let tok = Tokenizer::from_bytes(case["tokenizer"].to_string()).expect("tokenizer");
        let mut inputs: Vec<(String, Option<String>)> = case["encodings"]
            .as_array()
            .expect("encodings")
            .iter()
            .map(|e| {
                (e["text"].as_str().unwrap().to_string(), e["pair"].as_str().map(str::to_string))
            })
            .collect();
        inputs.extend(EXTRA.iter().map(|t| (t.to_string(), None)));
        let mut out = Vec::new();
        for (text, pair) in inputs {
            let input: EncodeInput = match &pair {
                Some(p) => (text.as_str(), p.as_str()).into(),
                None => text.as_str().into(),
            };
            let e = tok.encode(input, true).expect("encode");
            out.push(json!({"text": text, "pair": pair, "ids": e.get_ids(),
                            "offsets": e.get_offsets()}));
        }
        cases.insert(case["name"].as_str().unwrap().to_string(), Value::Array(out));
    }
    println!("{}", json!({"generator": "tests/testdata/tokenizer/crate_offsets (cargo run)",
                          "tokenizers_crate": "0.23.2", "cases": cases}));
}
