// Where local mail is kept (manual: XMAIL LOCAL MAILER, -MM/-Mm): each
// account folder domains/DOMAIN/USER holds a Maildir/ (new, cur, tmp) or a
// mailbox/ folder. The store is what sessions reach through requests: the
// SMTP session asks for the usage (MaxMBSize); delivery and POP3 add the
// rest.
#pragma once

#include <filesystem>
#include <string>

#include "core/request.hpp"

namespace mailflow::delivery {

class mailbox_store {
 public:
  virtual ~mailbox_store() = default;
  // Whether the account folder has a mailbox, and the bytes stored in it
  // (summed only when `need_size`: it costs a directory walk).
  virtual mailbox_usage usage(const std::string& account_folder, bool need_size) = 0;
};

// The store on disk, under a MailRoot.
class disk_mailbox_store final : public mailbox_store {
 public:
  explicit disk_mailbox_store(std::filesystem::path mailroot) : root_(std::move(mailroot)) {}
  mailbox_usage usage(const std::string& account_folder, bool need_size) override;

 private:
  std::filesystem::path root_;
};

}  // namespace mailflow::delivery
