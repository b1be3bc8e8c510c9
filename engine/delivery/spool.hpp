// The spool as the environment sees it (manual: XMAIL SPOOL DESIGN): message
// numbers from message.id, and the commit of one transaction's copies. The
// SMTP session asks for both through requests (core/request.hpp); whoever
// answers them (engine/env's executor, `serve`) holds a spool.
#pragma once

#include <cstdint>

#include "core/request.hpp"

namespace mailflow::delivery {

class spool {
 public:
  virtual ~spool() = default;
  // The next SMTP message number (message.id): 2 on a fresh MailRoot.
  virtual std::uint64_t next_message_number() = 0;
  // Stores every copy durably, or none is acknowledged (result.ok false).
  virtual spool_commit_result commit(const spool_commit& c) = 0;
};

}  // namespace mailflow::delivery
