// AUTH (RFC 4954) as XMail 1.27 does it: PLAIN, LOGIN and CRAM-MD5 only
// (manual: SMTPAUTH.TAB, SMTPEXTAUTH.TAB; behaviour notes, Authentication).
// Credentials are checked against mailusers.tab first, then smtpauth.tab;
// a mechanism listed in a non-empty smtpextauth.tab goes to the external
// program instead and never falls back. `*` cancels at any step (RFC 4954
// section 4; XMail takes it as a user name: a listed difference).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/codec.hpp"
#include "core/text.hpp"
#include "flow/smtp_filters.hpp"
#include "smtp/replies.hpp"
#include "smtp/session_impl.hpp"

namespace mailflow::smtp {

namespace {
bool builtin_mechanism(std::string_view m) { return m == "PLAIN" || m == "LOGIN" || m == "CRAM-MD5"; }

// "user@domain", "user:domain" or "user%domain" (behaviour notes, Authentication).
std::pair<std::string, std::string> split_login(std::string_view login) {
  auto pos = login.find_last_of("@:%");
  if (pos == std::string_view::npos) return {std::string(login), {}};
  return {std::string(login.substr(0, pos)), std::string(login.substr(pos + 1))};
}

// RFILE lines "Perms=..." written by an smtpextauth.tab program. Only complete
// (newline-terminated) lines count: case [112] shows "Perms=MR" written
// without a line ending does not give XMail 1.27 relay rights.
std::optional<std::string> rfile_perms(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::optional<std::string> perms;
  std::size_t start = 0;
  for (auto nl = content.find('\n'); nl != std::string::npos; nl = content.find('\n', start)) {
    std::string_view line = trim(std::string_view(content).substr(start, nl - start));
    if (istarts_with(line, "Perms=")) perms = std::string(line.substr(6));
    start = nl + 1;
  }
  return perms;
}
}  // namespace

std::vector<std::string> smtp_session::impl::advertised_mechanisms() const {
  std::vector<std::string> mechs;
  if (!root.extauth().empty()) {
    // a non-empty smtpextauth.tab replaces the advertised list [112]
    for (auto& e : root.extauth())
      if (std::find(mechs.begin(), mechs.end(), e.name) == mechs.end()) mechs.push_back(e.name);
  } else {
    mechs = {"LOGIN", "PLAIN", "CRAM-MD5"};
  }
  if (!tls_active && cfg.smtp_no_tls_auths) {
    std::vector<std::string> allowed;
    for (auto& m : mechs)
      if (std::find(cfg.smtp_no_tls_auths->begin(), cfg.smtp_no_tls_auths->end(), m) != cfg.smtp_no_tls_auths->end())
        allowed.push_back(m);
    return allowed;
  }
  return mechs;
}

void smtp_session::impl::cmd_auth(std::string_view arg) {
  if (!helo_done) {
    reply(std::string(replies::bad_sequence));
    return;
  }
  if (tx.active) {
    // AUTH inside a transaction: 503 and the transaction is reset [011]
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    return;
  }
  if (auth.authenticated) {
    reply(std::string(replies::bad_sequence));
    return;
  }
  if (arg.empty()) {
    reply(std::string(replies::syntax_params));
    return;
  }
  auto sp = arg.find(' ');
  std::string mech = to_upper(arg.substr(0, sp));
  std::string_view initial = sp == std::string_view::npos ? std::string_view{} : trim(arg.substr(sp + 1));
  bool clear_text_refused = !tls_active && cfg.smtp_no_tls_auths &&
                            std::find(cfg.smtp_no_tls_auths->begin(), cfg.smtp_no_tls_auths->end(), mech) ==
                                cfg.smtp_no_tls_auths->end();
  if (!builtin_mechanism(mech) || clear_text_refused) {
    decide(stage::auth, mech, outcome::reject,
           clear_text_refused ? "mechanism not in SmtpNoTLSAuths on a clear-text link"
                              : "XMail implements PLAIN, LOGIN and CRAM-MD5 only",
           std::string(replies::auth_unknown),
           clear_text_refused ? cfg.origin("SmtpNoTLSAuths") : config::source{});
    reply(std::string(replies::auth_unknown));
    return;
  }
  sasl = sasl_exchange{};
  sasl.mechanism = mech;
  if (mech == "PLAIN") {
    if (initial.empty()) {
      // RFC 4954 section 4: an empty challenge, credentials on the next line (XMail answers 501: listed difference)
      sasl.step = sasl_step::plain_credentials;
      mode = input_mode::sasl;
      reply("334 ");
      return;
    }
    auto decoded = base64_decode(initial);
    if (!decoded) {
      decide(stage::auth, "PLAIN", outcome::reject, "initial response is not base64",
             std::string(replies::syntax_params));
      reply(std::string(replies::syntax_params));
      return;
    }
    sasl.step = sasl_step::plain_credentials;
    std::string plain = *decoded;
    std::vector<std::string_view> parts = split(plain, '\0');
    if (parts.size() != 3) {
      decide(stage::auth, "PLAIN", outcome::reject, "credentials are not authzid\\0user\\0password",
             std::string(replies::syntax_params));
      reply(std::string(replies::syntax_params));
      return;
    }
    finish_auth(std::string(parts[1]), std::string(parts[2]), "");
    return;
  }
  if (mech == "LOGIN") {
    mode = input_mode::sasl;
    if (!initial.empty()) {
      auto user = base64_decode(initial);
      if (!user) {
        mode = input_mode::command;
        reply(std::string(replies::syntax_params));
        return;
      }
      sasl.user = *user;
      sasl.step = sasl_step::login_password;
      reply("334 UGFzc3dvcmQ6");
      return;
    }
    sasl.step = sasl_step::login_user;
    reply("334 VXNlcm5hbWU6");
    return;
  }
  // CRAM-MD5 (RFC 2195): the challenge is the greeting token [009]
  sasl.step = sasl_step::cram_response;
  sasl.challenge = greeting_token;
  mode = input_mode::sasl;
  reply("334 " + base64_encode(greeting_token));
}

void smtp_session::impl::handle_sasl_line(const command_line& line) {
  events.push_back(client_line{"***"});
  mode = input_mode::command;
  if (line.too_long) {
    reply(std::string(replies::line_too_long));
    return;
  }
  if (line.text == "*") {
    decide(stage::auth, sasl.mechanism, outcome::reject, "client cancelled the exchange",
           std::string(replies::auth_cancelled));
    reply(std::string(replies::auth_cancelled));
    return;
  }
  auto decoded = base64_decode(trim(line.text));
  if (!decoded) {
    decide(stage::auth, sasl.mechanism, outcome::reject, "answer is not base64", std::string(replies::syntax_params));
    reply(std::string(replies::syntax_params));
    return;
  }
  switch (sasl.step) {
    case sasl_step::plain_credentials: {
      std::vector<std::string_view> parts = split(*decoded, '\0');
      if (parts.size() != 3) {
        decide(stage::auth, "PLAIN", outcome::reject, "credentials are not authzid\\0user\\0password",
               std::string(replies::syntax_params));
        reply(std::string(replies::syntax_params));
        return;
      }
      finish_auth(std::string(parts[1]), std::string(parts[2]), "");
      return;
    }
    case sasl_step::login_user:
      sasl.user = *decoded;
      sasl.step = sasl_step::login_password;
      mode = input_mode::sasl;
      reply("334 UGFzc3dvcmQ6");
      return;
    case sasl_step::login_password:
      finish_auth(sasl.user, *decoded, "");
      return;
    case sasl_step::cram_response: {
      auto sp = decoded->rfind(' ');
      if (sp == std::string::npos) {
        decide(stage::auth, "CRAM-MD5", outcome::reject, "response is not 'user digest'",
               std::string(replies::syntax_params));
        reply(std::string(replies::syntax_params));
        return;
      }
      finish_auth(decoded->substr(0, sp), "", to_lower(decoded->substr(sp + 1)));
      return;
    }
  }
}

void smtp_session::impl::finish_auth(const std::string& user, const std::string& secret, const std::string& digest) {
  const std::string& mech = sasl.mechanism;
  std::string input = mech + " " + user;
  auto succeed = [&](std::string via, config::smtp_perms perms, const config::source& rule, std::string detail) {
    auth.authenticated = true;
    auth.login = user;
    auth.via = std::move(via);
    auth.perms = perms;
    decide(stage::auth, input, outcome::accept, detail + ", permissions " + perms.to_string(),
           std::string(replies::auth_ok), rule);
    reply(std::string(replies::auth_ok));
  };

  // smtpextauth.tab: a listed method goes to the external program only
  if (auto ext = root.extauth().empty() ? nullptr : root.find_extauth(mech)) {
    namespace fs = std::filesystem;
    fs::path temp = env.temp_dir.empty() ? root.root() / "tmp" : fs::path(env.temp_dir);
    std::error_code ec;
    fs::create_directories(temp, ec);
    std::string rfile = (temp / ("extauth-" + std::to_string(settings.session_number) + ".rsp")).string();
    fs::remove(rfile, ec);
    std::map<std::string, std::string> macros{{"AUTH", mech},    {"USER", user},     {"PASS", secret},
                                              {"CHALL", sasl.challenge}, {"DGEST", digest}, {"RFILE", rfile}};
    process_request req;
    for (auto& a : ext->command)
      req.argv.push_back(config::expand_root(flow::expand_macros(a, macros), std::filesystem::absolute(root.root()).string()));
    req.environment = flow::fixed_environment(root.root(), env.clock.utc_offset_minutes());
    req.timeout_seconds = settings.filter_timeout_seconds;
    auto result = env.processes.run(req);
    auto perms_text = rfile_perms(rfile);
    fs::remove(rfile, ec);
    if (result.result == process_result::status::exited && result.exit_code == 0) {
      succeed("smtpextauth.tab", config::smtp_perms::parse(perms_text.value_or("")), ext->src,
              "external program " + ext->command.front() + " exit 0");
      return;
    }
    std::string why = result.result == process_result::status::exited
                          ? "exit " + std::to_string(result.exit_code)
                          : result.result == process_result::status::timed_out ? "timed out" : "did not run: " + result.error;
    decide(stage::auth, input, outcome::reject, "external program " + ext->command.front() + " " + why,
           std::string(replies::auth_failed), ext->src);
    reply(std::string(replies::auth_failed));
    return;
  }

  // mailusers.tab first
  auto [name, domain] = split_login(user);
  if (auto acct = root.find_account(name, domain)) {
    auto clear = xmail_password_decode(acct->password);
    bool ok = clear && (mech == "CRAM-MD5" ? hmac_md5_hex(*clear, sasl.challenge) == digest : *clear == secret);
    if (ok) {
      auto data = root.account_data(*acct);
      if (auto v = data->var("MaxMessageSize"); v && parse_int(trim(*v))) auth.max_message_size_kb = *parse_int(trim(*v));
      if (auto v = data->var("DisableEmitAuthUser"); v && parse_int(trim(*v)))
        auth.disable_emit_auth_user = *parse_int(trim(*v)) != 0;
      succeed("mailusers.tab", root.perms_for(*acct), acct->src, "account " + acct->address());
      return;
    }
  }
  // then smtpauth.tab
  if (auto e = root.find_smtpauth(user)) {
    bool ok = mech == "CRAM-MD5" ? hmac_md5_hex(e->password, sasl.challenge) == digest : e->password == secret;
    if (ok) {
      succeed("smtpauth.tab", config::smtp_perms::parse(e->perms), e->src, "smtpauth.tab entry");
      return;
    }
  }
  decide(stage::auth, input, outcome::reject, "no account with these credentials in mailusers.tab or smtpauth.tab",
         std::string(replies::auth_failed));
  reply(std::string(replies::auth_failed));
}

}  // namespace mailflow::smtp
