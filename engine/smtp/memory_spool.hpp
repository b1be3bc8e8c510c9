// A spool that keeps accepted messages in memory: what trace, the replay
// harness and the tests hand to smtp_session instead of the disk spool.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "smtp/smtp_session.hpp"

namespace mailflow::smtp {

class memory_spool final : public spool {
 public:
  // `last`: the last message number used (message.id); `shown` is reported as where each message went.
  explicit memory_spool(std::uint64_t last = 1, std::string shown = "(kept in memory)")
      : last_(last), shown_(std::move(shown)) {}
  std::uint64_t next_message_number() override { return ++last_; }
  bool submit(const spool_message& m, std::string& where) override {
    if (fail) {
      where = "disk full";
      return false;
    }
    messages.push_back(m);
    where = shown_;
    return true;
  }

  std::vector<spool_message> messages;
  bool fail = false;  // tests: every submit fails as a full disk would

 private:
  std::uint64_t last_;
  std::string shown_;
};

}  // namespace mailflow::smtp
