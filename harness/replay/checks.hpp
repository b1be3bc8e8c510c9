// The expectations of a scenario checked against what happened: each reply
// as it arrives (check_reply), then the outcomes of the whole scenario
// (stage decisions and filter invocations as in-order subsequences, spooled
// messages one to one). Every failure cites the scenario line that stated
// the expectation and says expected versus actual in one readable line each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/request.hpp"
#include "replay/channel.hpp"
#include "run_result.hpp"
#include "scenario/scenario.hpp"

namespace mailflow::harness {

inline constexpr const char* product_token = "mailflow 0.1";

// A reply line with any server's product token ("[XMail 1.27 ESMTP Server]")
// written as mailflow's, which is how replies are compared.
std::string normalise_product(std::string text);

class expectation_checker {
 public:
  // `root_text`: the private MailRoot's path, for {root} in expectations.
  expectation_checker(const scenario& sc, reports::scenario_result& res, std::string root_text);

  std::string where(std::uint32_t line) const;
  // {root} {sink} {sinkport} {product} in an expectation's text.
  std::string expand(const std::string& text) const;
  void fail(std::uint32_t line, std::string what, std::string expected, std::string actual);
  void note(std::string text) { res_.notes.push_back(std::move(text)); }

  // One reply (or its absence) against the step's expectations; false when they do not hold.
  bool check_reply(const step& st, const reports::step_result& r, read_status status, bool closed_after);
  // The <expect> block (in-process only).
  void check_outcomes(const std::vector<reports::session_result>& sessions,
                      const std::vector<spool_message>& spooled);

 private:
  bool regex_full(const std::string& text, const std::string& re);
  bool matches(const expected_decision& e, const stage_decision& d) const;
  bool matches(const expected_filter& e, const filter_invocation& f) const;
  void check_decisions(const std::vector<const stage_decision*>& actual);
  void check_filters(const std::vector<const filter_invocation*>& actual);
  std::string mismatch(const expected_message& e, const spool_message& m);
  void check_messages(const std::vector<spool_message>& spooled);

  const scenario& sc_;
  reports::scenario_result& res_;
  std::string root_;
};

}  // namespace mailflow::harness
