// attnserve: embedding inference for BERT-family encoders.
//   attnserve serve --model DIR                     the gRPC server
//   attnserve encode --model DIR < inputs.jsonl     offline embeddings (JSON lines)
//   attnserve tokenize --model DIR < texts.jsonl    ids, tokens, offsets (JSON lines)
//   attnserve bench  --model DIR --batch 32 --seq 128   offline throughput
//   attnserve help CMD | CMD --help | --version
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

#include "client/cli/build_info.h"
#include "client/cli/command_line.h"
#include "core/dnnl/backend.h"
#include "server/commands/commands.h"

ABSL_FLAG(std::string, model, "demo",
          "Model to load: 'demo' (built-in, random weights) or a Hugging Face model directory "
          "(config.json + model.safetensors, tokenizer.json or vocab.txt)");
ABSL_FLAG(bool, truncate, false,
          "Cut inputs longer than the maximum input length instead of rejecting them (serve: "
          "for requests that do not say; encode, tokenize: for every line)");
ABSL_FLAG(std::string, default_prompt_name, "",
          "sentence-transformers prompt (config_sentence_transformers.json's prompts) prepended "
          "to text inputs that name none (serve: requests without prompt_name; encode: every "
          "line); empty = the model's default_prompt_name. A name the model lacks is refused at "
          "startup");
ABSL_FLAG(int, threads, 0, "Compute threads (OpenMP team size); 0 = one per core");
ABSL_FLAG(std::string, dtype, "fp32",
          "Compute dtype: fp32 (exact) | int8 (dense layers u8 x s8 on VNNI, weights quantized at "
          "load; attention, softmax and norms stay fp32; held to the accuracy gate)");
ABSL_FLAG(double, min_cosine, 0.98,
          "Accuracy gate of --dtype int8: the lowest cosine between a built-in calibration "
          "input's vector in int8 and in fp32 below which the model is refused");
ABSL_FLAG(bool, ignore_accuracy_gate, false,
          "Use --dtype int8 even when it fails the accuracy gate (the figures are still logged "
          "and reported by Info)");

namespace attnserve {

void ApplyThreadsFlag() {
  core::SetComputeThreadsOnThisThread(absl::GetFlag(FLAGS_threads));
}

absl::StatusOr<core::LoadOptions> LoadOptionsFromFlags() {
  core::LoadOptions o;
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype == "fp32") {
    o.dtype = core::DType::kF32;
  } else if (dtype == "int8") {
    o.dtype = core::DType::kInt8;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--dtype must be fp32 or int8; was '", dtype, "'"));
  }
  o.min_cosine = absl::GetFlag(FLAGS_min_cosine);
  if (!(o.min_cosine >= -1.0 && o.min_cosine <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--min-cosine must be in [-1, 1]; was ", o.min_cosine));
  }
  o.enforce_accuracy_gate = !absl::GetFlag(FLAGS_ignore_accuracy_gate);
  return o;
}

namespace {

// The commands and the flags each accepts (the help lists them in this order).
ProgramSpec Program() {
  ProgramSpec p;
  p.name = "attnserve";
  p.synopsis = "attnserve <command> [flags]   (flags may also come before the command)";
  p.commands = {
      {"serve",
       "the gRPC server (Embed, EmbedStream, Tokenize, Info, health, reflection) and its "
       "HTTP/JSON front end (OpenAI /v1/embeddings, TEI routes)",
       "attnserve serve [flags]\n\n"
       "Serves the model over gRPC and HTTP until SIGTERM / SIGINT, then drains in-flight calls.",
       {"model", "dtype", "min_cosine", "ignore_accuracy_gate", "threads", "truncate", "host",
        "port", "http_port", "http_address",
        "http_threads", "http_timeout_s", "metrics_host", "metrics_port",
        "max_batch_tokens", "max_batch_size", "max_queue_delay_us", "max_queued_tokens",
        "compute_nice", "max_inputs_per_request", "max_input_length", "tokenizer_threads",
        "inline_prepare_bytes", "serving_slice_us",
        "max_message_bytes", "drain_timeout_s", "keepalive_s", "tls_cert", "tls_key", "tls_client_ca",
        "api_keys_file", "log_format", "log_level", "access_log"}},
      {"encode", "offline embeddings: JSON lines in, JSON lines out",
       "attnserve encode [flags] < inputs.jsonl\n\n"
       "Input lines: {\"text\": \"...\", \"text_pair\": \"...\"} (text_pair optional) or\n"
       "             {\"ids\": [101, 7592, 102], \"type_ids\": [0, 0, 0]} (type_ids optional).\n"
       "Output lines, one per input line, in order: {\"embedding\": [...], \"num_tokens\": N}\n"
       "(+ \"token_embeddings\": [[...], ...] with --token-embeddings), or {\"error\": \"line N: "
       "...\"}\nfor a bad line (validated as the server does; exit code 1 at the end).",
       {"model", "dtype", "min_cosine", "ignore_accuracy_gate", "threads", "truncate", "input",
        "pooling", "normalize", "dimensions",
        "token_embeddings", "encode_batch_tokens"}},
      {"tokenize", "the model's tokenizer: JSON lines of text in, ids / tokens / offsets out",
       "attnserve tokenize [flags] < texts.jsonl\n\n"
       "Input lines: {\"text\": \"...\", \"text_pair\": \"...\"} (text_pair optional).\n"
       "Output lines: {\"ids\": [...], \"type_ids\": [...], \"tokens\": [...], \"offsets\": "
       "[[start, end], ...],\n\"num_tokens\": N} (byte offsets into the UTF-8 text), or "
       "{\"error\": \"line N: ...\"}.",
       {"model", "truncate", "input", "add_special_tokens", "max_length"}},
      {"bench", "offline encoder throughput (seq/s, tokens/s, GFLOP/s, % of matmul peak)",
       "attnserve bench [flags]\n\n"
       "Runs the encoder on random token ids and reports throughput and latency.",
       {"model", "dtype", "min_cosine", "ignore_accuracy_gate", "threads", "batch", "seq",
        "lengths", "iters", "warmup", "seed", "peak",
        "json"}},
  };
  p.version = [] {
    return absl::StrCat(VersionText("attnserve"), "oneDNN:     ", core::OneDnnVersion(), "\n",
                        "CPU ISA:    ", core::CpuIsaName(), "\n");
  };
  return p;
}

}  // namespace
}  // namespace attnserve

int main(int argc, char** argv) {
  const attnserve::ProgramSpec program = attnserve::Program();
  const attnserve::CommandSpec* command = nullptr;
  std::vector<std::string> args = attnserve::ParseCommandLine(program, argc, argv, &command);
  attnserve::ApplyThreadsFlag();
  if (command->name == "serve") return attnserve::RunServeCommand(args);
  if (command->name == "encode") return attnserve::RunEncodeCommand(args);
  if (command->name == "tokenize") return attnserve::RunTokenizeCommand(args);
  return attnserve::RunBenchCommand(args);
}
