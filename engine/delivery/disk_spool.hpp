// The real spool (serve): each accepted message becomes an XMail spool file
// (manual: MESSAGE FILTERS, "The spool files has this structure"; XMAIL
// SPOOL DESIGN), written under spool/L1/L2/temp/, synced, then renamed into
// spool/L1/L2/mess/ and the folder synced, so a 250 is only ever given for a
// message that is on disk. Message numbers come from message.id, kept under
// a lock so several sessions (threads or processes) never share one.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "core/env.hpp"
#include "delivery/spool.hpp"

namespace mailflow::delivery {

class disk_spool final : public spool {
 public:
  // `host_name` ends each file name (XMail: mstime.tid.seq.hostname).
  disk_spool(std::filesystem::path mailroot, std::string host_name, const mailflow::clock& clock);
  std::uint64_t next_message_number() override;
  spool_commit_result commit(const spool_commit& c) override;

  // The spool file's text for `m` (CRLF lines, <<MAIL-DATA>> then the message).
  static std::string file_text(const spool_message& m);

 private:
  bool submit(const spool_message& m, std::string& path_or_error);
  std::filesystem::path root_;
  std::string host_;
  const mailflow::clock& clock_;
  std::mutex lock_;
  std::uint64_t sequence_ = 0;
};

}  // namespace mailflow::delivery
