#define BOOST_TEST_MODULE tls_tests
#include <boost/test/unit_test.hpp>

#include "tls/tls_engine.hpp"

using namespace mailflow::tls;

namespace {
// Moves bytes between two engines until neither has anything to say.
void shuttle(engine& a, engine& b) {
  for (int i = 0; i < 50; ++i) {
    auto ab = a.take_output();
    auto ba = b.take_output();
    if (ab.empty() && ba.empty()) return;
    if (!ab.empty()) b.put_input(ab);
    if (!ba.empty()) a.put_input(ba);
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(handshake_and_data_in_memory) {
  std::string err;
  auto creds = make_self_signed("hunet.jp");
  BOOST_TEST(creds.certificate_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  auto sctx = context::server(creds, err);
  BOOST_REQUIRE_MESSAGE(sctx, err);
  auto cctx = context::client(false, err);
  BOOST_REQUIRE(cctx);
  engine server(*sctx, true), client(*cctx, false);
  client.write("EHLO client.test\r\n");
  client.step();
  shuttle(client, server);
  BOOST_TEST((server.step() == engine::state::established));
  BOOST_TEST((client.step() == engine::state::established));
  BOOST_TEST(server.read() == "EHLO client.test\r\n");
  server.write("250 hunet.jp\r\n");
  shuttle(client, server);
  BOOST_TEST(client.read() == "250 hunet.jp\r\n");
  BOOST_TEST(server.version().rfind("TLSv1.", 0) == 0u);
  BOOST_TEST(!server.cipher().empty());
  // a large payload crosses intact
  std::string big(300000, 'x');
  client.write(big);
  std::string got;
  for (int i = 0; i < 100 && got.size() < big.size(); ++i) {
    shuttle(client, server);
    got += server.read();
  }
  BOOST_TEST(got == big);
}

BOOST_AUTO_TEST_CASE(garbage_fails_the_handshake) {
  std::string err;
  auto sctx = context::server(make_self_signed("hunet.jp"), err);
  engine server(*sctx, true);
  server.put_input("NOOP\r\nQUIT\r\n");
  BOOST_TEST((server.step() == engine::state::failed));
  BOOST_TEST(!server.error().empty());
}

BOOST_AUTO_TEST_CASE(bad_credentials_are_reported) {
  std::string err;
  BOOST_TEST(!context::server({"not a cert", "not a key"}, err));
  BOOST_TEST(err.find("server.cert") == 0u);
  auto a = make_self_signed("a"), b = make_self_signed("b");
  BOOST_TEST(!context::server({a.certificate_pem, b.private_key_pem}, err));
  BOOST_TEST(!context::server_from_files("/nonexistent/server.cert", "/nonexistent/server.key", err));
  BOOST_TEST(err == "cannot read /nonexistent/server.cert");
}
