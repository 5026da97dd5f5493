// The registration lines. Explicit (not static initializers in each stage's file): attnserve_core
// is a static library, and the linker would drop a stage file nothing else refers to.
#include "core/tokenizer/stage_registry.h"

#include "core/tokenizer/decoders/sentencepiece_decoders.h"
#include "core/tokenizer/decoders/wordpiece_decoder.h"
#include "core/tokenizer/models/unigram.h"
#include "core/tokenizer/models/wordpiece.h"
#include "core/tokenizer/normalizers/bert_normalizer.h"
#include "core/tokenizer/normalizers/precompiled.h"
#include "core/tokenizer/normalizers/sequence_normalizer.h"
#include "core/tokenizer/normalizers/simple_normalizers.h"
#include "core/tokenizer/decoders/byte_level_decoder.h"
#include "core/tokenizer/decoders/wordpiece_decoder.h"
#include "core/tokenizer/models/bpe.h"
#include "core/tokenizer/models/word_level.h"
#include "core/tokenizer/models/wordpiece.h"
#include "core/tokenizer/normalizers/bert_normalizer.h"
#include "core/tokenizer/normalizers/unicode_normalizer.h"
#include "core/tokenizer/post_processors/bert_processing.h"
#include "core/tokenizer/post_processors/byte_level_processor.h"
#include "core/tokenizer/post_processors/roberta_processing.h"
#include "core/tokenizer/post_processors/sequence_processor.h"
#include "core/tokenizer/post_processors/template_processing.h"
#include "core/tokenizer/pre_tokenizers/bert_pre_tokenizer.h"
#include "core/tokenizer/pre_tokenizers/metaspace.h"
#include "core/tokenizer/pre_tokenizers/byte_level.h"
#include "core/tokenizer/pre_tokenizers/punctuation.h"
#include "core/tokenizer/pre_tokenizers/sequence.h"
#include "core/tokenizer/pre_tokenizers/split.h"
#include "core/tokenizer/pre_tokenizers/whitespace.h"

namespace attnserve::core {

const StageRegistry<Normalizer>& NormalizerRegistry() {
  static const auto* const r = new StageRegistry<Normalizer>(
      "normalizer type", ", or null",
      {
          {"BertNormalizer", &BertNormalizer::FromJson},
          {"Sequence", &SequenceNormalizer::FromJson},
          {"Lowercase", &LowercaseNormalizer::FromJson},
          {"Strip", &StripNormalizer::FromJson},
          {"StripAccents", &StripAccentsNormalizer::FromJson},
          {"Replace", &ReplaceNormalizer::FromJson},
          {"Prepend", &PrependNormalizer::FromJson},
          {"Precompiled", &PrecompiledNormalizer::FromJson},
          {"NFC", &UnicodeNormalizer::NfcFromJson},
          {"NFD", &UnicodeNormalizer::NfdFromJson},
          {"NFKC", &UnicodeNormalizer::NfkcFromJson},
          {"NFKD", &UnicodeNormalizer::NfkdFromJson},
      });
  return *r;
}

const StageRegistry<PreTokenizer>& PreTokenizerRegistry() {
  static const auto* const r = new StageRegistry<PreTokenizer>(
      "pre_tokenizer", "",
      {
          {"BertPreTokenizer", &BertPreTokenizer::FromJson},
          {"Metaspace", &Metaspace::FromJson},
          {"Split", &Split::FromJson},
          {"ByteLevel", &ByteLevel::FromJson},
          {"Sequence", &PreTokenizerSequence::FromJson},
          {"Whitespace", &Whitespace::FromJson},
          {"WhitespaceSplit", &WhitespaceSplit::FromJson},
          {"Punctuation", &Punctuation::FromJson},
          {"Digits", &Digits::FromJson},
      });
  return *r;
}

const StageRegistry<TokenizerModel>& TokenizerModelRegistry() {
  static const auto* const r = new StageRegistry<TokenizerModel>(
      "model type", "",
      {
          {"WordPiece", &WordPiece::FromJson},
          {"Unigram", &Unigram::FromJson},
          {"BPE", &Bpe::FromJson},
          {"WordLevel", &WordLevel::FromJson},
      });
  return *r;
}

const StageRegistry<PostProcessor>& PostProcessorRegistry() {
  static const auto* const r = new StageRegistry<PostProcessor>(
      "post_processor type", ", or null",
      {
          {"TemplateProcessing", &TemplateProcessing::FromJson},
          {"BertProcessing", &BertProcessing::FromJson},
          {"ByteLevel", &ByteLevelProcessor::FromJson},
          {"RobertaProcessing", &RobertaProcessing::FromJson},
          {"Sequence", &SequenceProcessor::FromJson},
      });
  return *r;
}

const StageRegistry<Decoder>& DecoderRegistry() {
  static const auto* const r = new StageRegistry<Decoder>(
      "decoder type", ", or null",
      {
          {"WordPiece", &WordPieceDecoder::FromJson},
          {"ByteFallback", &ByteFallbackDecoder::FromJson},
          {"Fuse", &FuseDecoder::FromJson},
          {"Strip", &StripDecoder::FromJson},
          {"Replace", &ReplaceDecoder::FromJson},
          {"Metaspace", &MetaspaceDecoder::FromJson},
          {"Sequence", &SequenceDecoder::FromJson},
          {"ByteLevel", &ByteLevelDecoder::FromJson},
      });
  return *r;
}

}  // namespace attnserve::core
