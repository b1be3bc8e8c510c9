// AUTH (RFC 4954) as XMail 1.27 does it: PLAIN, LOGIN and CRAM-MD5 only
// (manual: SMTPAUTH.TAB, SMTPEXTAUTH.TAB; behaviour notes, Authentication).
// Credentials are checked against mailusers.tab first, then smtpauth.tab;
// a mechanism listed in a non-empty smtpextauth.tab goes to the external
// program instead and never falls back. `*` cancels at any step (RFC 4954
// section 4; XMail takes it as a user name: a listed difference).
// Client base64 is read as XMail reads it (xmail_base64_decode), and the
// decoded answers are C strings there: each ends at its first NUL. LOGIN
// decodes nothing until both the user and the password lines are in, so a
// bad user name is answered 501 only after the password prompt.
#include <algorithm>

#include "core/codec.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

namespace {
bool builtin_mechanism(std::string_view m) { return m == "PLAIN" || m == "LOGIN" || m == "CRAM-MD5"; }

// "user@domain", "user:domain" or "user%domain" (behaviour notes, Authentication).
std::pair<std::string, std::string> split_login(std::string_view login) {
  auto pos = login.find_last_of("@:%");
  if (pos == std::string_view::npos) return {std::string(login), {}};
  return {std::string(login.substr(0, pos)), std::string(login.substr(pos + 1))};
}

// XMail keeps decoded answers in C strings: the value ends at its first NUL.
std::string c_string(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

}  // namespace

std::vector<std::string> session::advertised_mechanisms() const {
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

task<> session::cmd_auth(std::string_view arg) {
  if (arg.empty()) {
    reply(std::string(replies::syntax_params));
    co_return;
  }
  auto sp = arg.find(' ');
  std::string mech = to_upper(arg.substr(0, sp));
  // XMail splits the command on spaces: the initial response is the next word, the rest is ignored
  std::string_view initial;
  if (sp != std::string_view::npos) {
    initial = arg.substr(sp + 1);
    initial.remove_prefix(std::min(initial.size(), initial.find_first_not_of(' ')));
    initial = initial.substr(0, initial.find(' '));
  }
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
    co_return;
  }
  sasl = sasl_exchange{};
  sasl.mechanism = mech;
  if (mech == "PLAIN") {
    if (initial.empty()) {
      // RFC 4954 section 4: an empty challenge, credentials on the next line (XMail answers 501: listed difference)
      sasl.step = sasl_step::plain_credentials;
      mode = input_mode::sasl;
      reply("334 ");
      co_return;
    }
    auto decoded = xmail_base64_decode(initial);
    if (!decoded) {
      decide(stage::auth, "PLAIN", outcome::reject, "initial response is not base64",
             std::string(replies::syntax_params));
      reply(std::string(replies::syntax_params));
      co_return;
    }
    co_await plain_credentials(std::move(*decoded));
    co_return;
  }
  if (mech == "LOGIN") {
    mode = input_mode::sasl;
    if (!initial.empty()) {
      sasl.user = std::string(initial);  // still base64: decoded with the password
      sasl.step = sasl_step::login_password;
      reply("334 UGFzc3dvcmQ6");
      co_return;
    }
    sasl.step = sasl_step::login_user;
    reply("334 VXNlcm5hbWU6");
    co_return;
  }
  // CRAM-MD5 (RFC 2195): the challenge is the greeting token [009]
  sasl.step = sasl_step::cram_response;
  sasl.challenge = greeting_token;
  mode = input_mode::sasl;
  reply("334 " + base64_encode(greeting_token));
}

// The client's answer to a 334 (one line: a SASL step, never a command).
task<> session::sasl_line(command_line line) {
  note(client_line{redact_client_line(line.text, true)});
  mode = input_mode::command;
  if (line.too_long) {
    reply(std::string(replies::line_too_long));
    co_return;
  }
  if (line.text == "*") {
    decide(stage::auth, sasl.mechanism, outcome::reject, "client cancelled the exchange",
           std::string(replies::auth_cancelled));
    reply(std::string(replies::auth_cancelled));
    co_return;
  }
  if (sasl.step == sasl_step::login_user) {
    sasl.user = line.text;  // still base64: decoded with the password
    sasl.step = sasl_step::login_password;
    mode = input_mode::sasl;
    reply("334 UGFzc3dvcmQ6");
    co_return;
  }
  if (sasl.step == sasl_step::login_password) {
    auto user = xmail_base64_decode(sasl.user);
    auto password = user ? xmail_base64_decode(line.text) : std::nullopt;
    if (!password) {
      decide(stage::auth, "LOGIN", outcome::reject, user ? "password is not base64" : "user name is not base64",
             std::string(replies::syntax_params));
      reply(std::string(replies::syntax_params));
      co_return;
    }
    co_await finish_auth(c_string(*user), c_string(*password), "");
    co_return;
  }
  auto decoded = xmail_base64_decode(line.text);
  if (!decoded) {
    decide(stage::auth, sasl.mechanism, outcome::reject, "answer is not base64", std::string(replies::syntax_params));
    reply(std::string(replies::syntax_params));
    co_return;
  }
  switch (sasl.step) {
    case sasl_step::plain_credentials:
      co_await plain_credentials(std::move(*decoded));
      co_return;
    case sasl_step::login_user:
    case sasl_step::login_password:
      co_return;  // answered above
    case sasl_step::cram_response: {
      // "user digest": the user name ends at the first space (XMail)
      std::string response = c_string(*decoded);
      auto sp = response.find(' ');
      if (sp == std::string::npos) {
        decide(stage::auth, "CRAM-MD5", outcome::reject, "response is not 'user digest'",
               std::string(replies::syntax_params));
        reply(std::string(replies::syntax_params));
        co_return;
      }
      co_await finish_auth(response.substr(0, sp), "", to_lower(response.substr(sp + 1)));
      co_return;
    }
  }
}

// PLAIN's credentials, "authzid\0user\0password" (RFC 4616), from the initial
// response or the next line. As in XMail each part ends at the next NUL and a
// missing part is empty, so short or extra parts fail as bad credentials (503).
task<> session::plain_credentials(std::string decoded) {
  std::string_view rest = decoded;
  auto next = [&rest] {
    std::string part = c_string(rest);
    rest.remove_prefix(std::min(rest.size(), part.size() + 1));
    return part;
  };
  next();  // authzid, unused
  std::string user = next();
  std::string password = next();
  co_await finish_auth(std::move(user), std::move(password), "");
}

task<> session::finish_auth(std::string user, std::string secret, std::string digest) {
  const std::string mech = sasl.mechanism;
  std::string input = user.empty() ? mech : mech + " " + user;
  auto succeed = [&](std::string via, config::smtp_perms perms, const config::source& rule, std::string detail) {
    auth.authenticated = true;
    delay_seconds = 0;  // applying the user's permissions clears the command delay (SMTPApplyPerms)
    auth.login = user;
    auth.via = std::move(via);
    auth.perms = perms;
    state = smtp_state::authenticated;
    decide(stage::auth, input, outcome::accept, detail + ", permissions " + perms.to_string(),
           std::string(replies::auth_ok), rule);
    reply(std::string(replies::auth_ok));
  };

  // smtpextauth.tab: a listed method goes to the external program only
  if (auto ext = root.extauth().empty() ? nullptr : root.find_extauth(mech)) {
    auth_program program;
    program.argv = ext->command;
    program.macros = {{"AUTH", mech}, {"USER", user}, {"PASS", secret}, {"CHALL", sasl.challenge}, {"DGEST", digest}};
    program.timeout_seconds = settings.filter_timeout_seconds;
    auto result = co_await ask<auth_program>(std::move(program));
    auto& process = result.process;
    if (process.result == process_result::status::exited && process.exit_code == 0) {
      succeed("smtpextauth.tab", config::smtp_perms::parse(result.perms.value_or("")), ext->src,
              "external program " + ext->command.front() + " exit 0");
      co_return;
    }
    std::string why = process.result == process_result::status::exited ? "exit " + std::to_string(process.exit_code)
                      : process.result == process_result::status::timed_out ? "timed out"
                                                                              : "did not run: " + process.error;
    decide(stage::auth, input, outcome::reject, "external program " + ext->command.front() + " " + why,
           std::string(replies::auth_failed), ext->src);
    reply(std::string(replies::auth_failed));
    co_return;
  }

  // mailusers.tab first
  auto [name, domain] = split_login(user);
  if (auto acct = root.find_account(name, domain)) {
    auto clear = xmail_password_decode(acct->password);
    bool ok = clear && (mech == "CRAM-MD5" ? hmac_md5_hex(*clear, sasl.challenge) == digest : *clear == secret);
    if (ok) {
      auto files = root.account_data(*acct);
      if (files->var("MaxMessageSize")) auth.max_message_size_kb = files->number("MaxMessageSize", 0);
      if (auto v = files->var("DisableEmitAuthUser"); v && parse_int(trim(*v)))
        auth.disable_emit_auth_user = *parse_int(trim(*v)) != 0;
      succeed("mailusers.tab", root.perms_for(*acct), acct->src, "account " + acct->address());
      co_return;
    }
  }
  // then smtpauth.tab
  if (auto e = root.find_smtpauth(user)) {
    bool ok = mech == "CRAM-MD5" ? hmac_md5_hex(e->password, sasl.challenge) == digest : e->password == secret;
    if (ok) {
      succeed("smtpauth.tab", config::smtp_perms::parse(e->perms), e->src, "smtpauth.tab entry");
      co_return;
    }
  }
  decide(stage::auth, input, outcome::reject, "no account with these credentials in mailusers.tab or smtpauth.tab",
         std::string(replies::auth_failed));
  reply(std::string(replies::auth_failed));
}

}  // namespace mailflow::smtp
