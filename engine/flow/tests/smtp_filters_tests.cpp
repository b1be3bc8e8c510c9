#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "config/tables.hpp"
#include "flow/posix_process_runner.hpp"
#include "flow/smtp_filters.hpp"
#include "scripts.hpp"

using namespace mailflow;
using namespace mailflow::flow;
using mailflow::testing::read_lines;
using mailflow::testing::read_text;
using mailflow::testing::temp_dir;
using mailflow::testing::write_script;
namespace fs = std::filesystem;

namespace {

// One TAB line: every field quoted.
std::string tab_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += '\t';
    out += '"' + fields[i] + '"';
  }
  return out + "\n";
}

const std::string spool_head =
    "[127.0.0.1]:40000;[127.0.0.1]:25;Sun, 5 Apr 2009 13:47:22 +0900\r\n"
    "hunet.jp\r\n"
    "S2\r\n"
    "MAIL FROM:<love@soopoo.jp>\r\n"
    "RCPT TO:<cop@hunet.jp> {ra=cop@hunet.jp}\r\n";

// A MailRoot folder with scripts in filters/ and one parsed filter table.
struct mailroot_fixture {
  temp_dir root;
  diagnostic_list diags;
  std::unique_ptr<config::tab_file> tab;
  std::vector<config::filter_command> commands;
  posix_process_runner processes;

  std::string path() const { return root.path().string(); }
  fs::path tmp() const { return root.path() / "tmp"; }

  // Writes filters/NAME; returns "{root}/filters/NAME" for use in a table.
  std::string script(const std::string& name, const std::string& body) {
    write_script(root.path() / "filters", name, body);
    return "{root}/filters/" + name;
  }

  // Parses `text` as filters.<hook>.tab, with {root} standing for the MailRoot as in the conformance cases.
  void load(std::string text, const std::string& file = "filters.post-rcpt.tab") {
    for (std::size_t pos; (pos = text.find("{root}")) != std::string::npos;) text.replace(pos, 6, path());
    tab = config::tab_file::parse(file, text, diags);
    commands = config::parse_filter_commands(tab.get(), diags);
    BOOST_REQUIRE(diags.items().empty());
  }

  smtp_filter_runner runner(int default_timeout = 90) { return {processes, root.path(), tmp(), default_timeout}; }

  // The request the session makes for one hook: the loaded commands, $(FILE)'s content and the macros.
  filter_chain input(config::smtp_filter_hook hook = config::smtp_filter_hook::post_rcpt) const {
    filter_chain in;
    in.hook = hook == config::smtp_filter_hook::post_rcpt  ? stage::filter_post_rcpt
              : hook == config::smtp_filter_hook::pre_data ? stage::filter_pre_data
                                                           : stage::filter_post_data;
    for (auto& c : commands)
      in.steps.push_back(filter_step{c.argv, c.flags.aex, c.flags.wlex, c.flags.timeout_seconds, c.src.rule()});
    in.file_content = spool_head;
    in.macros = {{"FROM", "love@soopoo.jp"}, {"CRCPT", "cop@hunet.jp"}, {"RRCPT", "cop@hunet.jp"},
                 {"USERAUTH", "-"}, {"REMOTEADDR", "127.0.0.1:40000"}, {"LOCALADDR", "127.0.0.1:25"},
                 {"MSGREF", "S2"}, {"MSGID", "S2"}};
    return in;
  }

  // Files left in the temp folder (the runner removes $(FILE) and its .rej).
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(tmp(), ec)) out.push_back(e.path().filename().string());
    return out;
  }
};

std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(macros)

BOOST_AUTO_TEST_CASE(whole_argument_and_inline_forms) {
  const std::map<std::string, std::string> m{{"FROM", "love@soopoo.jp"}, {"FILE", "/r/tmp/f"}, {"X", "$(FROM)"}};
  BOOST_TEST(expand_macros("@@FROM", m) == "love@soopoo.jp");
  BOOST_TEST(expand_macros("$(FILE)", m) == "/r/tmp/f");
  BOOST_TEST(expand_macros("--in=$(FILE).rej", m) == "--in=/r/tmp/f.rej");
  BOOST_TEST(expand_macros("<$(FROM)>,<$(FROM)>", m) == "<love@soopoo.jp>,<love@soopoo.jp>");
  // @@ only as the whole argument (manual, MACRO SUBSTITUTION).
  BOOST_TEST(expand_macros("x@@FROM", m) == "x@@FROM");
  BOOST_TEST(expand_macros("@@FROM ", m) == "@@FROM ");
  // Unknown names stay exactly as written.
  BOOST_TEST(expand_macros("@@NOPE", m) == "@@NOPE");
  BOOST_TEST(expand_macros("a$(NOPE)b$(FROM)", m) == "a$(NOPE)blove@soopoo.jp");
  BOOST_TEST(expand_macros("$()", m) == "$()");
  BOOST_TEST(expand_macros("$(FILE", m) == "$(FILE");
  BOOST_TEST(expand_macros("$(FROM)$(FILE", m) == "love@soopoo.jp$(FILE");
  BOOST_TEST(expand_macros("@@", m) == "@@");
  BOOST_TEST(expand_macros("", m) == "");
  // Values are not expanded again.
  BOOST_TEST(expand_macros("$(X)", m) == "$(FROM)");
  BOOST_TEST(expand_macros("@@X", m) == "$(FROM)");
  // Names are case-sensitive, as XMail's lookup is.
  BOOST_TEST(expand_macros("$(from)", m) == "$(from)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(fixed_values_and_posix_time_zones) {
  std::vector<std::string> utc{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "MAIL_ROOT=/srv/mr",
                               "TZ=UTC0", "HOME=/srv/mr"};
  BOOST_TEST(fixed_environment("/srv/mr") == utc, boost::test_tools::per_element());
  BOOST_TEST(fixed_environment("/srv/mr/", 0) == utc, boost::test_tools::per_element());
  BOOST_TEST(fixed_environment("/srv/mr", 540)[4] == "TZ=<+0900>-9");
  BOOST_TEST(fixed_environment("/srv/mr", -300)[4] == "TZ=<-0500>5");
  BOOST_TEST(fixed_environment("/srv/mr", 330)[4] == "TZ=<+0530>-5:30");
  BOOST_TEST(fixed_environment("/srv/mr", -570)[4] == "TZ=<-0930>9:30");
}

BOOST_AUTO_TEST_CASE(relative_mailroot_is_made_absolute) {
  auto env = fixed_environment("some/root");
  auto expected = (fs::current_path() / "some/root").lexically_normal().string();
  BOOST_TEST(env[3] == "MAIL_ROOT=" + expected);
  BOOST_TEST(env[5] == "HOME=" + expected);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(smtp_filter_runner_tests, mailroot_fixture)

BOOST_AUTO_TEST_CASE(exit_zero_accepts_and_records_everything) {
  auto rc = script("rc.sh", "exit \"$2\"\n");
  load(tab_line({rc, "$(FILE)", "0"}));
  auto r = runner().run(input());
  BOOST_TEST(!r.rejected);
  BOOST_TEST(!r.reply.has_value());
  BOOST_TEST(!r.changed);
  BOOST_TEST(r.file_content == spool_head);
  BOOST_REQUIRE(r.invocations.size() == 1u);
  const auto& inv = r.invocations[0];
  BOOST_TEST((inv.hook == stage::filter_post_rcpt));
  BOOST_TEST(!inv.selector.has_value());
  BOOST_TEST(inv.line.file == "filters.post-rcpt.tab");
  BOOST_TEST(inv.line.line == 1u);
  BOOST_TEST(inv.line.text == "\"" + path() + "/filters/rc.sh\"\t\"$(FILE)\"\t\"0\"");
  std::vector<std::string> argv{"{root}/filters/rc.sh", "{root}/tmp/smtp-post-rcpt-1.flt", "0"};
  BOOST_TEST(inv.argv == argv, boost::test_tools::per_element());
  BOOST_TEST(filter_status_name(inv.status) == "exited");
  BOOST_TEST(inv.exit_code.value_or(-1) == 0);
  BOOST_TEST(filter_action_name(inv.action) == "accept");
  BOOST_TEST(!inv.stop_list);
  BOOST_TEST(inv.rej_text == "");
  BOOST_TEST(!inv.message_changed);
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(exit_codes_decode_reject_and_stop) {
  auto rc = script("rc.sh", "exit \"$2\"\n");
  auto mark = script("mark.sh", "touch \"$MAIL_ROOT/marker\"\n");
  struct expect {
    int code;
    bool rejected, stop;
    const char* action;
  };
  // manual, SMTP MESSAGE FILTERS: raw 3 rejects, +16 stops the list; anything else accepts.
  for (auto e : std::vector<expect>{{0, false, false, "accept"},
                                    {3, true, false, "reject"},
                                    {19, true, true, "reject"},
                                    {16, false, true, "accept"},
                                    {7, false, false, "accept"},
                                    {23, false, true, "accept"},
                                    {35, false, false, "accept"},
                                    {48, false, true, "accept"},
                                    {51, false, true, "accept"}}) {  // 51 = 35 + 16: raw 35 is not 3
    BOOST_TEST_CONTEXT("exit " << e.code) {
      fs::remove(root.path() / "marker");
      load(tab_line({rc, "$(FILE)", std::to_string(e.code)}) + tab_line({mark}));
      auto r = runner().run(input());
      BOOST_REQUIRE(!r.invocations.empty());
      BOOST_TEST(r.rejected == e.rejected);
      BOOST_TEST(r.invocations[0].exit_code.value_or(-1) == e.code);
      BOOST_TEST(r.invocations[0].stop_list == e.stop);
      BOOST_TEST(filter_action_name(r.invocations[0].action) == e.action);
      // The second command runs only when the first neither rejected nor stopped the list.
      const bool continued = !e.rejected && !e.stop;
      BOOST_TEST(r.invocations.size() == (continued ? 2u : 1u));
      BOOST_TEST(fs::exists(root.path() / "marker") == continued);
    }
  }
}

BOOST_AUTO_TEST_CASE(rej_first_line_is_the_reply_and_the_file_is_removed) {
  auto rej = script("rej.sh", "printf '550 5.7.1 Go away\\r\\nsecond line\\r\\n' > \"$1.rej\"\nexit 3\n");
  load(tab_line({rej, "$(FILE)"}));
  auto r = runner().run(input());
  BOOST_TEST(r.rejected);
  BOOST_TEST(r.reply.value_or("<none>") == std::string("550 5.7.1 Go away"));
  BOOST_REQUIRE(r.invocations.size() == 1u);
  BOOST_TEST(r.invocations[0].rej_text == "550 5.7.1 Go away");
  BOOST_TEST(filter_action_name(r.invocations[0].action) == "reject");
  BOOST_TEST(leftovers().empty());  // neither $(FILE) nor $(FILE).rej remain
}

// The runner hands the first line over as it is (the session decides whether it is a reply), but reads
// no more than 1024 octets of it: a filter that writes a huge .rej must not fill the server's memory.
BOOST_AUTO_TEST_CASE(rej_first_line_is_handed_over_raw_and_read_up_to_1024_octets) {
  auto bad = script("bad.sh", "printf '250 fake\\rinjected\\r\\n' > \"$1.rej\"\nexit 3\n");
  load(tab_line({bad, "$(FILE)"}));
  auto r = runner().run(input());
  BOOST_TEST(r.reply.value_or("<none>") == std::string("250 fake\rinjected"));
  BOOST_TEST(r.invocations.at(0).rej_text == "250 fake\rinjected");

  auto huge = script("huge.sh", "head -c 100000 /dev/zero | tr '\\0' a > \"$1.rej\"\nexit 3\n");
  load(tab_line({huge, "$(FILE)"}));
  auto h = runner().run(input());
  BOOST_TEST(h.rejected);
  BOOST_TEST(h.reply.value_or("").size() == 1024u);
  BOOST_TEST(h.invocations.at(0).rej_text == std::string(1024, 'a'));
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(reject_without_rej_has_no_reply) {
  auto rc = script("rc.sh", "exit 3\n");
  auto empty = script("empty.sh", ": > \"$1.rej\"\nexit 3\n");
  load(tab_line({rc, "$(FILE)"}));
  auto r = runner().run(input());
  BOOST_TEST(r.rejected);
  BOOST_TEST(!r.reply.has_value());
  BOOST_TEST(r.invocations[0].rej_text == "");

  // An empty .rej leaves the session's default reply too.
  load(tab_line({empty, "$(FILE)"}));
  auto e = runner().run(input());
  BOOST_TEST(e.rejected);
  BOOST_TEST(!e.reply.has_value());
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(rej_of_an_accepting_filter_is_removed_and_ignored) {
  auto stray = script("stray.sh", "echo '554 not me' > \"$1.rej\"\nexit 0\n");
  load(tab_line({stray, "$(FILE)"}));
  auto r = runner().run(input());
  BOOST_TEST(!r.rejected);
  BOOST_TEST(!r.reply.has_value());
  BOOST_TEST(r.invocations[0].rej_text == "");
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(conformance_026_post_rcpt_script) {
  // cases/026-filter-post-rcpt: the same script and table line.
  auto check = script("rcpt-check.sh",
                      "# $1=file $2=CRCPT $3=RRCPT $4=FROM $5=USERAUTH\n"
                      "case \"$2\" in\n"
                      "  bad@*) echo \"550 5.7.1 <$2> (real <$3>) refused for <$4> auth=$5\" > \"$1.rej\"; exit 3 ;;\n"
                      "  silent@*) exit 3 ;;\n"
                      "esac\n"
                      "exit 0\n");
  load(tab_line({check, "$(FILE)", "$(CRCPT)", "$(RRCPT)", "$(FROM)", "$(USERAUTH)"}));
  auto run_for = [&](const std::string& rcpt) {
    auto in = input();
    in.macros["CRCPT"] = rcpt;
    in.macros["RRCPT"] = "cop@hunet.jp";
    in.macros["FROM"] = "love@soopoo.jp";
    return runner().run(in);
  };
  auto bad = run_for("bad@hunet.jp");
  BOOST_TEST(bad.rejected);
  BOOST_TEST(bad.reply.value_or("<none>") == std::string("550 5.7.1 <bad@hunet.jp> (real <cop@hunet.jp>) refused for <love@soopoo.jp> auth=-"));
  auto silent = run_for("silent@hunet.jp");
  BOOST_TEST(silent.rejected);
  BOOST_TEST(!silent.reply.has_value());
  auto good = run_for("cop@hunet.jp");
  BOOST_TEST(!good.rejected);
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(aex_and_wlex_skip_without_running) {
  auto mark = script("mark.sh", "touch \"$MAIL_ROOT/ran-$2\"\nexit 3\n");
  load(tab_line({"!aex", mark, "$(FILE)", "aex"}) + tab_line({"!wlex", mark, "$(FILE)", "wlex"}) +
       tab_line({"!aex,wlex", mark, "$(FILE)", "both"}));

  auto in = input();
  in.authenticated = true;
  in.whitelisted = true;
  auto r = runner().run(in);
  BOOST_TEST(!r.rejected);
  BOOST_REQUIRE(r.invocations.size() == 3u);
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "skipped (aex)");
  BOOST_TEST(filter_status_name(r.invocations[1].status) == "skipped (wlex)");
  BOOST_TEST(filter_status_name(r.invocations[2].status) == "skipped (aex)");
  for (const auto& inv : r.invocations) {
    BOOST_TEST(filter_action_name(inv.action) == "pass");
    BOOST_TEST(!inv.exit_code.has_value());
    BOOST_TEST(inv.argv[1] == "$(FILE)");  // never expanded: no file was written
  }
  BOOST_TEST(r.invocations[1].line.line == 2u);
  BOOST_TEST(!fs::exists(root.path() / "ran-aex"));
  BOOST_TEST(!fs::exists(root.path() / "ran-wlex"));
  BOOST_TEST(!fs::exists(root.path() / "ran-both"));

  // Only white-listed: the aex line runs (and rejects, ending the list).
  in.authenticated = false;
  auto w = runner().run(in);
  BOOST_TEST(w.rejected);
  BOOST_REQUIRE(w.invocations.size() == 1u);
  BOOST_TEST(filter_status_name(w.invocations[0].status) == "exited");
  BOOST_TEST(fs::exists(root.path() / "ran-aex"));

  // Only authenticated: the aex line is skipped, the wlex line runs.
  in.authenticated = true;
  in.whitelisted = false;
  auto a = runner().run(in);
  BOOST_TEST(a.rejected);
  BOOST_REQUIRE(a.invocations.size() == 2u);
  BOOST_TEST(filter_status_name(a.invocations[0].status) == "skipped (aex)");
  BOOST_TEST(filter_status_name(a.invocations[1].status) == "exited");
  BOOST_TEST(fs::exists(root.path() / "ran-wlex"));
}

BOOST_AUTO_TEST_CASE(macros_reach_the_filter) {
  auto args = script("args.sh", "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$MAIL_ROOT/args.txt\"\n");
  load(tab_line({args, "$(FILE)", "@@FROM", "@@NOPE", "x@@FROM", "<$(CRCPT)>,<$(RRCPT)>", "$(NOPE)", "$(USERAUTH)",
                 "$(MSGREF)", "--file=$(FILE)", "$(FILE"}));
  auto in = input();
  in.macros["CRCPT"] = "boss@hunet.jp";
  auto r = runner().run(in);
  BOOST_TEST(!r.rejected);
  const std::string file = (tmp() / "smtp-post-rcpt-1.flt").string();
  std::vector<std::string> seen{file,       "love@soopoo.jp", "@@NOPE",           "x@@FROM",
                                "<boss@hunet.jp>,<cop@hunet.jp>", "$(NOPE)", "-", "S2", "--file=" + file,
                                "$(FILE"};
  BOOST_TEST(read_lines(root.path() / "args.txt") == seen, boost::test_tools::per_element());
  std::vector<std::string> shown{"{root}/filters/args.sh",
                                 "{root}/tmp/smtp-post-rcpt-1.flt",
                                 "love@soopoo.jp",
                                 "@@NOPE",
                                 "x@@FROM",
                                 "<boss@hunet.jp>,<cop@hunet.jp>",
                                 "$(NOPE)",
                                 "-",
                                 "S2",
                                 "--file={root}/tmp/smtp-post-rcpt-1.flt",
                                 "$(FILE"};
  BOOST_TEST(r.invocations[0].argv == shown, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filter_reads_the_content_and_may_rewrite_it) {
  auto seen = script("seen.sh", "cp \"$1\" \"$MAIL_ROOT/seen-$2.txt\"\n");
  auto add = script("add.sh", "printf 'X-Added: yes\\r\\n' >> \"$1\"\nexit 7\n");
  load(tab_line({seen, "$(FILE)", "1"}) + tab_line({add, "$(FILE)"}) + tab_line({seen, "$(FILE)", "2"}));
  auto r = runner().run(input());
  const std::string rewritten = spool_head + "X-Added: yes\r\n";
  BOOST_TEST(!r.rejected);
  BOOST_TEST(r.changed);
  BOOST_TEST(r.file_content == rewritten);
  BOOST_TEST(read_text(root.path() / "seen-1.txt") == spool_head);  // byte for byte, CRLF kept
  BOOST_TEST(read_text(root.path() / "seen-2.txt") == rewritten);   // later filters see the rewrite
  BOOST_REQUIRE(r.invocations.size() == 3u);
  BOOST_TEST(!r.invocations[0].message_changed);
  BOOST_TEST(r.invocations[1].message_changed);
  BOOST_TEST(filter_action_name(r.invocations[1].action) == "accept");
  BOOST_TEST(!r.invocations[2].message_changed);
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(timeout_counts_as_a_pass) {
  // cases/087: "!timeo=1" on a 10 s filter that would reject; mailflow kills it.
  auto slow = script("slow.sh", "sleep 10\necho '554 rejected by the slow filter' > \"$1.rej\"\nexit 3\n");
  auto mark = script("mark.sh", "touch \"$MAIL_ROOT/marker\"\n");
  load(tab_line({"!timeo=1", slow, "$(FILE)"}) + tab_line({mark}));
  auto t0 = std::chrono::steady_clock::now();
  auto r = runner().run(input());
  BOOST_TEST(ms_since(t0) < 2500);
  BOOST_TEST(!r.rejected);
  BOOST_TEST(!r.reply.has_value());
  BOOST_REQUIRE(r.invocations.size() == 2u);
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "timed-out");
  BOOST_TEST(filter_action_name(r.invocations[0].action) == "pass");
  BOOST_TEST(!r.invocations[0].exit_code.has_value());
  BOOST_TEST(fs::exists(root.path() / "marker"));
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(default_timeout_applies_without_timeo) {
  auto slow = script("slow.sh", "sleep 10\nexit 3\n");
  load(tab_line({slow, "$(FILE)"}));
  auto t0 = std::chrono::steady_clock::now();
  auto r = runner(1).run(input());
  BOOST_TEST(ms_since(t0) < 2500);
  BOOST_TEST(!r.rejected);
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "timed-out");
}

BOOST_AUTO_TEST_CASE(filters_that_cannot_start_count_as_a_pass) {
  root.write("filters/plain.sh", "#!/bin/sh\nexit 3\n");  // not executable
  auto term = script("term.sh", "kill -TERM $$\n");
  auto mark = script("mark.sh", "touch \"$MAIL_ROOT/marker\"\n");
  load(tab_line({"{root}/filters/missing.sh", "$(FILE)"}) + tab_line({"{root}/filters/plain.sh", "$(FILE)"}) +
       tab_line({term, "$(FILE)"}) + tab_line({mark}));
  auto r = runner().run(input());
  BOOST_TEST(!r.rejected);
  BOOST_REQUIRE(r.invocations.size() == 4u);
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "failed-to-start");
  BOOST_TEST(r.invocations[0].argv[0] == "{root}/filters/missing.sh");
  BOOST_TEST(filter_status_name(r.invocations[1].status) == "failed-to-start");
  BOOST_TEST(filter_status_name(r.invocations[2].status) == "signaled");
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(filter_action_name(r.invocations[i].action) == "pass");
    BOOST_TEST(!r.invocations[i].exit_code.has_value());
    BOOST_TEST(!r.invocations[i].stop_list);
  }
  BOOST_TEST(filter_status_name(r.invocations[3].status) == "exited");
  BOOST_TEST(fs::exists(root.path() / "marker"));
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(environment_zone_and_directory_are_fixed) {
  auto env = script("env.sh",
                    "tr '\\0' '\\n' < /proc/$$/environ > \"$MAIL_ROOT/env.txt\"\n"
                    "date +%z > \"$MAIL_ROOT/zone.txt\"\n"
                    "/bin/pwd -P > \"$MAIL_ROOT/pwd.txt\"\n");
  load(tab_line({env, "$(FILE)"}));
  ::setenv("MAILFLOW_LEAK_CHECK", "must-not-appear", 1);
  auto run = runner();
  run.set_utc_offset_minutes(540);
  auto r = run.run(input());
  ::unsetenv("MAILFLOW_LEAK_CHECK");
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "exited");
  BOOST_TEST(read_lines(root.path() / "env.txt") == fixed_environment(root.path(), 540),
             boost::test_tools::per_element());
  BOOST_TEST(read_text(root.path() / "zone.txt") == "+0900\n");
  BOOST_TEST(read_text(root.path() / "pwd.txt") == fs::canonical(root.path()).string() + "\n");
}

BOOST_AUTO_TEST_CASE(filters_never_inherit_a_client_socket) {
  BOOST_REQUIRE(fs::exists("/usr/bin/find"));
  int sv[2];
  BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);  // no SOCK_CLOEXEC, like a careless server
  load(tab_line({"/usr/bin/find", "/proc/self/fd", "-mindepth", "1", "-fprintf", "$(FILE).fds", "%f %l\\n"}));
  auto r = runner().run(input());
  ::close(sv[0]);
  ::close(sv[1]);
  BOOST_TEST(filter_status_name(r.invocations[0].status) == "exited");
  BOOST_TEST(r.invocations[0].exit_code.value_or(-1) == 0);
  const auto listing = tmp() / "smtp-post-rcpt-1.flt.fds";
  auto lines = read_lines(listing);
  BOOST_REQUIRE(lines.size() >= 3u);
  for (const auto& line : lines) {
    auto space = line.find(' ');
    BOOST_REQUIRE(space != std::string::npos);
    const int fd = std::stoi(line.substr(0, space));
    const std::string target = line.substr(space + 1);
    BOOST_TEST_CONTEXT("fd " << fd << " -> " << target) {
      if (fd <= 2)
        BOOST_TEST(target == "/dev/null");
      else
        BOOST_TEST((target == listing.string() || target == fs::canonical(root.path()).string() ||
                    mailflow::testing::is_proc_fd_dir(target)));
    }
  }
}

BOOST_AUTO_TEST_CASE(temp_names_are_deterministic_and_paths_shown_as_root) {
  auto rc = script("rc.sh", "exit 0\n");
  load(tab_line({rc, "$(FILE)"}));
  auto run = runner();
  auto a = run.run(input());
  auto b = run.run(input());
  auto c = run.run(input(config::smtp_filter_hook::pre_data));
  auto d = run.run(input(config::smtp_filter_hook::post_data));
  BOOST_TEST(a.invocations[0].argv[1] == "{root}/tmp/smtp-post-rcpt-1.flt");
  BOOST_TEST(b.invocations[0].argv[1] == "{root}/tmp/smtp-post-rcpt-2.flt");
  BOOST_TEST(c.invocations[0].argv[1] == "{root}/tmp/smtp-pre-data-3.flt");
  BOOST_TEST(d.invocations[0].argv[1] == "{root}/tmp/smtp-post-data-4.flt");
  BOOST_TEST((c.invocations[0].hook == stage::filter_pre_data));
  BOOST_TEST((d.invocations[0].hook == stage::filter_post_data));

  // A second MailRoot elsewhere gives the same invocations (all but the duration).
  mailroot_fixture other;
  other.script("rc.sh", "exit 0\n");
  other.load(tab_line({"{root}/filters/rc.sh", "$(FILE)"}));
  auto again = other.runner().run(other.input());
  const auto& x = a.invocations[0];
  const auto& y = again.invocations[0];
  BOOST_TEST(x.argv == y.argv, boost::test_tools::per_element());
  BOOST_TEST((x.status == y.status));
  BOOST_TEST((x.exit_code == y.exit_code));
  BOOST_TEST((x.action == y.action));
  BOOST_TEST(x.line.file == y.line.file);
  BOOST_TEST(x.line.line == y.line.line);

  // Path display: only whole path components are replaced.
  BOOST_TEST(run.shown_paths(path()) == "{root}");
  BOOST_TEST(run.shown_paths(path() + "/x " + path() + "/y") == "{root}/x {root}/y");
  BOOST_TEST(run.shown_paths(path() + "2/x") == path() + "2/x");
  BOOST_TEST(run.shown_paths("/elsewhere/x") == "/elsewhere/x");
}

BOOST_AUTO_TEST_CASE(temp_folder_outside_the_mailroot_is_shown_as_tmp) {
  temp_dir outside;
  auto rc = script("rc.sh", "exit 0\n");
  load(tab_line({rc, "$(FILE)"}));
  smtp_filter_runner run(processes, root.path(), outside.path() / "spool");
  auto r = run.run(input(config::smtp_filter_hook::post_data));
  BOOST_TEST(r.invocations[0].argv[0] == "{root}/filters/rc.sh");
  BOOST_TEST(r.invocations[0].argv[1] == "{tmp}/smtp-post-data-1.flt");
  BOOST_TEST(fs::is_directory(outside.path() / "spool"));  // made when missing
}

BOOST_AUTO_TEST_CASE(runners_on_several_threads_share_a_temp_folder) {
  // Each thread's filter checks that $(FILE) holds that thread's content: two
  // runners writing the same name would make one of them reject.
  auto check = script("check.sh", "grep -qx \"thread-$2\" \"$1\" || exit 3\nexit 0\n");
  load(tab_line({check, "$(FILE)", "$(MSGID)"}));
  constexpr int threads = 4, runs = 6;
  std::atomic<int> wrong{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto run = runner();  // one runner per session, all in the same temp folder
      for (int i = 0; i < runs; ++i) {
        filter_chain in = input();
        in.file_content = "thread-" + std::to_string(t) + "\n";
        in.macros["MSGID"] = std::to_string(t);
        auto r = run.run(in);
        if (r.rejected || r.invocations.size() != 1 || filter_status_name(r.invocations[0].status) != "exited") ++wrong;
      }
    });
  }
  for (auto& th : pool) th.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_SUITE_END()
