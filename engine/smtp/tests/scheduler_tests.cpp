// Sessions on the virtual scheduler and on the editable MailRoot: nothing
// blocks while a request is outstanding, and a session keeps the snapshot it
// connected with.
#include <boost/test/unit_test.hpp>

#include "config/mailroot_store.hpp"
#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {

std::string lines(env::connection& c) {
  std::string out = c.take_received(), joined;
  for (char ch : out)
    if (ch != '\r') joined += ch;
  if (!joined.empty() && joined.back() == '\n') joined.pop_back();
  return joined;
}

std::string auth_plain_line(const std::string& user, const std::string& pass) {
  return "AUTH PLAIN " + base64_encode(std::string("\0", 1) + user + std::string("\0", 1) + pass) + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler)

BOOST_AUTO_TEST_CASE(a_session_waiting_30_virtual_seconds_on_a_filter_blocks_no_other) {
  temp_dir t;
  write_common_mailroot(t);
  // Authenticated senders skip the filter (!aex): session B never waits on it.
  t.write("filters.post-rcpt.tab", "\"!aex\"\t\"/filters/slow-check\"\t\"$(FILE)\"\n");
  driver d(t);
  env::scripted_process_runner slow(d.runner);
  slow.add({"/filters/slow-check", 0, 30000});
  env::environment e{t.path(), t.path() / "tmp", d.dns, slow, d.spool, d.mailboxes, {}, 9 * 60, 90};
  env::simulation sim(d.clock, e);
  smtp::smtp_settings settings;
  auto start = d.clock.now_ms();
  auto& a = sim.connect(smtp::make_smtp_session(d.root, d.clock, settings, {"127.0.0.1", 40001}, {"127.0.0.1", 25}), 1);
  auto& b = sim.connect(smtp::make_smtp_session(d.root, d.clock, settings, {"127.0.0.1", 40002}, {"127.0.0.1", 25}), 2);
  while (sim.step()) {
  }
  BOOST_TEST(lines(a).substr(0, 4) == "220 ");
  BOOST_TEST(lines(b).substr(0, 4) == "220 ");

  // A pipelines its transaction; the RCPT waits on the filter for 30 virtual seconds.
  a.send("EHLO a.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  while (sim.step()) {
  }
  std::string a_first = lines(a);
  BOOST_TEST(a_first.find("250 ") != std::string::npos);                    // EHLO's last line
  BOOST_TEST(a_first.find("250 OK") != std::string::npos);                  // MAIL
  BOOST_TEST(a_first.find("354") == std::string::npos);                     // not past the RCPT
  BOOST_TEST(a.busy());

  // B does its whole transaction meanwhile, with no virtual time passing.
  b.send("EHLO b.test\r\n" + auth_plain_line("cop@hunet.jp", "copsecret"));
  while (sim.step()) {
  }
  BOOST_TEST(lines(b).find("235 Authentication successful") != std::string::npos);
  b.send("MAIL FROM:<cop@hunet.jp>\r\n");
  while (sim.step()) {
  }
  BOOST_TEST(lines(b) == "250 OK");
  b.send("RCPT TO:<love@soopoo.jp>\r\n");
  while (sim.step()) {
  }
  BOOST_TEST(lines(b) == "250 OK");
  b.send("DATA\r\n");
  while (sim.step()) {
  }
  BOOST_TEST(lines(b).substr(0, 3) == "354");
  b.send("Subject: b\r\n\r\nfrom b\r\n.\r\nQUIT\r\n");
  while (sim.step()) {
  }
  std::string b_end = lines(b);
  BOOST_TEST(b_end.substr(0, 7) == "250 OK ");
  BOOST_TEST(b_end.find("221 ") != std::string::npos);
  BOOST_TEST(b.server_closed());
  BOOST_TEST(d.clock.now_ms() == start);
  BOOST_TEST(d.spool.messages.size() == 1u);
  BOOST_TEST(lines(a).empty());  // A is still waiting

  // 30 virtual seconds later the filter answers: A's RCPT and the pipelined DATA reply, in order.
  BOOST_TEST(sim.next_event_ms().has_value());
  BOOST_TEST(*sim.next_event_ms() == start + 30000);
  sim.advance_to(start + 29999);
  BOOST_TEST(lines(a).empty());
  sim.advance_to(start + 30000);
  BOOST_TEST(lines(a) == "250 OK\n354 Start mail input; end with <CRLF>.<CRLF>");
  a.send("Subject: a\r\n\r\nfrom a\r\n.\r\n");
  sim.settle();
  BOOST_TEST(lines(a).substr(0, 7) == "250 OK ");
  BOOST_TEST(d.spool.messages.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_alias_edit_mid_transaction_reaches_only_later_sessions) {
  temp_dir t;
  write_common_mailroot(t);
  t.write("aliases.tab", "# support desk\n\"hunet.jp\"\t\"info\"\t\"cop\"\n");
  diagnostic_list diags;
  config::mailroot_store store(t.path(), diags);

  driver old_session(t);
  old_session.root = store.current();  // pinned when it connects
  old_session.connect();
  old_session.send("HELO client.test");
  old_session.send("MAIL FROM:<love@soopoo.jp>");
  BOOST_TEST(old_session.send("RCPT TO:<info@hunet.jp>") == "250 OK");

  auto r = store.edit("aliases.tab", [](config::tab_document& doc, std::string&) {
    return doc.remove([](const std::vector<std::string>& f) { return f.size() >= 2 && f[1] == "info"; }) == 1;
  });
  BOOST_TEST(r.ok);

  // The pinned session still resolves the alias it started with.
  BOOST_TEST(old_session.send("RCPT TO:<info@hunet.jp>") == "250 OK");
  old_session.send("DATA");
  BOOST_TEST(old_session.raw("Subject: x\r\n\r\nbody\r\n.\r\n").substr(0, 7) == "250 OK ");

  driver new_session(t);
  new_session.root = store.current();
  new_session.connect();
  new_session.send("HELO client.test");
  new_session.send("MAIL FROM:<love@soopoo.jp>");
  BOOST_TEST(new_session.send("RCPT TO:<info@hunet.jp>").substr(0, 4) == "550 ");
  BOOST_TEST(new_session.send("RCPT TO:<cop@hunet.jp>") == "250 OK");
}

BOOST_AUTO_TEST_SUITE_END()
