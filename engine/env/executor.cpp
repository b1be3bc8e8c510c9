#include "env/executor.hpp"

#include <type_traits>

#include "core/wildcard.hpp"
#include "flow/auth_program.hpp"

namespace mailflow::env {

executor::executor(environment& env, std::uint64_t session_number) : env_(env), session_number_(session_number) {}

executor::result executor::execute(const request_payload& what) {
  return std::visit(
      [this](const auto& p) -> result {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, dns_query>) {
          return {env_.dns.lookup(p.type, p.name)};
        } else if constexpr (std::is_same_v<T, filter_chain>) {
          if (!filters_) {
            filters_ = std::make_unique<flow::smtp_filter_runner>(env_.processes, env_.mailroot, env_.temp_dir,
                                                                  env_.filter_timeout_seconds);
            filters_->set_utc_offset_minutes(env_.utc_offset_minutes);
          }
          auto r = filters_->run(p);
          auto ms = r.simulated_ms;
          return {std::move(r), ms};
        } else if constexpr (std::is_same_v<T, auth_program>) {
          auto r = flow::run_auth_program(env_.processes, p, env_.mailroot, env_.temp_dir,
                                          "extauth-" + std::to_string(session_number_) + ".rsp",
                                          env_.utc_offset_minutes);
          auto ms = r.process.simulated_ms;
          return {std::move(r), ms};
        } else if constexpr (std::is_same_v<T, message_number_request>) {
          return {message_number{env_.spool.next_message_number()}};
        } else if constexpr (std::is_same_v<T, spool_commit>) {
          return {env_.spool.commit(p)};
        } else if constexpr (std::is_same_v<T, mailbox_usage_query>) {
          return {env_.mailboxes.usage(p.account_folder, p.need_size)};
        } else {
          static_assert(std::is_same_v<T, pop3_login_query>, "every request kind is answered");
          pop3_login_answer a;
          if (auto it = env_.pop3_logins.find(p.ip); it != env_.pop3_logins.end()) a.last_login_ms = it->second;
          return {a};
        }
      },
      what);
}

process_result scripted_process_runner::run(const process_request& request) {
  if (!request.argv.empty()) {
    for (auto& r : rules_) {
      if (!wildcard_match(r.program, request.argv.front())) continue;
      process_result out;
      std::int64_t limit = request.timeout_seconds > 0 ? static_cast<std::int64_t>(request.timeout_seconds) * 1000 : -1;
      if (limit >= 0 && r.after_ms > limit) {
        out.result = process_result::status::timed_out;
        out.simulated_ms = limit;
      } else {
        out.result = process_result::status::exited;
        out.exit_code = r.exit_code;
        out.simulated_ms = r.after_ms;
      }
      return out;
    }
  }
  return real_.run(request);
}

}  // namespace mailflow::env
