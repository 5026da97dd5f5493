// Embeds one text with the installed attnserve C++ client library and prints the vector's size.
//
//   embed_example [TARGET [TEXT]]     (default localhost:50051 "hello world")
#include <cstdio>
#include <string>

#include <attnserve/client/embedder_client.h>

int main(int argc, char** argv) {
  attnserve::client::ClientOptions options;
  if (argc > 1) options.target = argv[1];
  const std::string text = argc > 2 ? argv[2] : "hello world";

  auto client = attnserve::client::EmbedderClient::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "embed_example: %s\n", client.status().ToString().c_str());
    return 1;
  }
  auto vectors = (*client)->EmbedTexts({text});
  if (!vectors.ok()) {
    std::fprintf(stderr, "embed_example: %s\n", vectors.status().ToString().c_str());
    return 1;
  }
  std::printf("embedded \"%s\": %zu vector(s) of %zu dimensions\n", text.c_str(),
              vectors->size(), vectors->front().size());
  return 0;
}
