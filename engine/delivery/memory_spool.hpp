// A spool that keeps accepted messages in memory: what trace, the replay
// harness and the tests use instead of the disk spool. Copies of one
// transaction share their body.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "delivery/spool.hpp"

namespace mailflow::delivery {

class memory_spool final : public spool {
 public:
  // `last`: the last message number used (message.id); `shown` is reported as where each message went.
  explicit memory_spool(std::uint64_t last = 1, std::string shown = "(kept in memory)")
      : last_(last), shown_(std::move(shown)) {}
  std::uint64_t next_message_number() override { return ++last_; }
  spool_commit_result commit(const spool_commit& c) override {
    spool_commit_result r;
    if (fail) {
      r.error = "disk full";
      return r;
    }
    for (auto& m : c.messages) {
      messages.push_back(m);
      r.where.push_back(shown_);
    }
    r.ok = true;
    return r;
  }

  std::vector<spool_message> messages;
  bool fail = false;  // tests: every commit fails as a full disk would

 private:
  std::uint64_t last_;
  std::string shown_;
};

}  // namespace mailflow::delivery
