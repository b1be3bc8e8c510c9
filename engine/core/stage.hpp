// The closed catalogue of processing stages and decision outcomes
// (PRODUCT.md, "Stages and the report"). Names are stable: traces, reports
// and the XSD in reports/ use them. A new stage is added here and in the
// schema together.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace mailflow {

enum class stage {
  // connection
  connect_ipmap, connect_ipprop, connect_spammers, connect_maps, connect_rdns, helo, tls,
  // authentication
  auth, auth_pop3_before_smtp,
  // sender
  mail_policy, mail_spam_address, mail_sender_domain, mail_size,
  // recipients
  rcpt_syntax, rcpt_limit, rcpt_domain_alias, rcpt_local, rcpt_alias, rcpt_account, rcpt_mailing_list,
  rcpt_cmdalias, rcpt_custdomain, rcpt_relay,
  // message
  filter_post_rcpt, filter_pre_data, data_receive, filter_post_data, queue_spool,
  // after the session
  filter_in, filter_out, deliver_mailproc, deliver_mailing_list, deliver_local, deliver_remote,
  deliver_extalias, bounce, freeze,
};

struct stage_info {
  stage id;
  std::string_view name;        // "connect.ipmap"
  std::string_view group;       // "connection", "authentication", ...
  std::string_view consults;    // files and variables the stage reads, as in seed 000's table
};

const stage_info& info(stage s);
std::string_view stage_name(stage s);
std::span<const stage_info> all_stages();
std::optional<stage> stage_from_name(std::string_view name);

enum class outcome { pass, accept, reject, defer, drop, flag, rewrite, skip, error };

std::string_view outcome_name(outcome o);
std::optional<outcome> outcome_from_name(std::string_view name);

}  // namespace mailflow
