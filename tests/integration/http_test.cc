// The HTTP front end in-process (so that the sanitizer builds run it): the real AttnServer with
// --http-port on a free port, a blocking Beast client. The routes' shapes and the real PyPI
// clients are the e2e test's (tests/e2e/http_e2e.py); here: the same vectors as gRPC, many
// requests on one keep-alive connection, many connections at once, and a drain that closes idle
// connections promptly.
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"

#include "tests/integration/server_fixture.h"

namespace attnserve {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;

// One keep-alive connection; requests are sent and answered one at a time.
class HttpConnection {
 public:
  explicit HttpConnection(int port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
  }

  // (status, body); status 0 when the connection failed.
  std::pair<int, std::string> Request(bhttp::verb method, const std::string& target,
                                      const std::string& body = "") {
    bhttp::request<bhttp::string_body> req(method, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(stream_, req, ec);
    if (ec) return {0, ec.message()};
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res, ec);
    if (ec) return {0, ec.message()};
    return {static_cast<int>(res.result_int()), res.body()};
  }

  // True when the server closed the connection (a read ends with EOF) within `timeout`.
  bool ClosedByServer(absl::Duration timeout) {
    stream_.expires_after(absl::ToChronoNanoseconds(timeout));
    char c;
    beast::error_code ec;
    stream_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

class HttpTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions o = LocalOptions();
    o.http_host = "127.0.0.1";
    o.http_port = -1;  // any free port
    StartServer(o);
    ASSERT_GT(server_->http_port(), 0);
  }
};

TEST_F(HttpTest, EmbeddingsAreTheVectorsGrpcGives) {
  HttpConnection c(server_->http_port());
  auto [status, body] =
      c.Request(bhttp::verb::post, "/v1/embeddings",
                R"({"model": "demo", "input": ["hello world", "the quick brown fox"]})");
  ASSERT_EQ(status, 200) << body;
  const json j = json::parse(body);
  auto grpc = client_->EmbedTexts({"hello world", "the quick brown fox"});
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  ASSERT_EQ(j["data"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto http = j["data"][i]["embedding"].get<std::vector<float>>();
    ASSERT_EQ(http.size(), (*grpc)[i].size());
    for (size_t k = 0; k < http.size(); ++k) EXPECT_NEAR(http[k], (*grpc)[i][k], 1e-6f) << k;
  }
}

TEST_F(HttpTest, OneKeepAliveConnectionServesEveryRouteInTurn) {
  HttpConnection c(server_->http_port());
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(c.Request(bhttp::verb::post, "/embed", R"({"inputs": "hello"})").first, 200);
    EXPECT_EQ(c.Request(bhttp::verb::post, "/tokenize", R"({"inputs": "hello"})").first, 200);
    EXPECT_EQ(c.Request(bhttp::verb::post, "/decode", R"({"ids": [101, 102]})").first, 200);
    EXPECT_EQ(c.Request(bhttp::verb::get, "/info").first, 200);
    EXPECT_EQ(c.Request(bhttp::verb::post, "/embed", R"({"inputs": ""})").first, 400);
    EXPECT_EQ(c.Request(bhttp::verb::post, "/v1/embeddings", "{not json").first, 400);
    // The demo model has no classification head: a request that parses gets 400 naming it.
    EXPECT_EQ(c.Request(bhttp::verb::post, "/rerank", "{}").first, 400);
  }
}

TEST_F(HttpTest, ManyConnectionsAtOnce) {
  constexpr int kClients = 8;
  constexpr int kRequests = 10;
  std::vector<int> ok(kClients, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      HttpConnection c(server_->http_port());
      for (int i = 0; i < kRequests; ++i) {
        const auto [status, body] = c.Request(
            bhttp::verb::post, "/embed",
            absl::StrCat(R"({"inputs": ["client )", t, R"( request )", i, R"("]})"));
        if (status == 200 && json::parse(body).size() == 1) ++ok[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kClients; ++t) EXPECT_EQ(ok[static_cast<size_t>(t)], kRequests) << t;
}

TEST_F(HttpTest, DrainClosesIdleConnectionsPromptly) {
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<HttpConnection>(server_->http_port()));
    ASSERT_EQ(idle.back()->Request(bhttp::verb::get, "/health").first, 200);
  }
  const absl::Time start = absl::Now();
  server_->Drain(start + absl::Seconds(20));
  // Idle keep-alive connections do not hold the drain until its deadline.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  for (auto& c : idle) EXPECT_TRUE(c->ClosedByServer(absl::Seconds(5)));
}

}  // namespace
}  // namespace attnserve
