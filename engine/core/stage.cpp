#include "stage.hpp"

#include <array>

namespace mailflow {

namespace {
constexpr std::array<stage_info, 37> catalogue{{
    {stage::connect_ipmap, "connect.ipmap", "connection", "smtp.ipmap.tab, server.tab SMTP-IpMapDropCode, SmtpMsgIPBan"},
    {stage::connect_ipprop, "connect.ipprop", "connection", "smtp.ipprop.tab, smtp.hnprop.tab"},
    {stage::connect_spammers, "connect.spammers", "connection", "spammers.tab, server.tab SmtpMsgIPBanSpammers"},
    {stage::connect_maps, "connect.maps", "connection", "server.tab CustMapsList, SmtpMsgIPBanMaps"},
    {stage::connect_rdns, "connect.rdns", "connection", "server.tab SMTP-RDNSCheck"},
    {stage::helo, "helo", "connection", "server.tab RootDomain"},
    {stage::tls, "tls", "connection", "server.tab EnableSMTP-TLS, server.cert, server.key"},
    {stage::auth, "auth", "authentication", "mailusers.tab, smtpauth.tab, smtpextauth.tab, server.tab SmtpNoTLSAuths, DefaultSmtpPerms, user.tab SmtpPerms"},
    {stage::auth_pop3_before_smtp, "auth.pop3-before-smtp", "authentication", "server.tab EnableAuthSMTP-POP3, -Se"},
    {stage::mail_policy, "mail.policy", "sender", "server.tab SmtpConfig (MailAuth, WantTLS), AllowNullSender"},
    {stage::mail_spam_address, "mail.spam-address", "sender", "spam-address.tab"},
    {stage::mail_sender_domain, "mail.sender-domain", "sender", "server.tab CheckMailerDomain, smtp.ipprop.tab SenderDomainCheck"},
    {stage::mail_size, "mail.size", "sender", "server.tab MaxMessageSize, user.tab MaxMessageSize, Z permission"},
    {stage::rcpt_syntax, "rcpt.syntax", "recipients", "RFC 5321 path syntax"},
    {stage::rcpt_limit, "rcpt.limit", "recipients", "-Sr (default 100)"},
    {stage::rcpt_domain_alias, "rcpt.domain-alias", "recipients", "aliasdomain.tab"},
    {stage::rcpt_local, "rcpt.local", "recipients", "domains.tab"},
    {stage::rcpt_alias, "rcpt.alias", "recipients", "aliases.tab"},
    {stage::rcpt_account, "rcpt.account", "recipients", "mailusers.tab, user.tab ReceiveEnable, MaxMBSize"},
    {stage::rcpt_mailing_list, "rcpt.mailing-list", "recipients", "mlusers.tab, user.tab ClosedML"},
    {stage::rcpt_cmdalias, "rcpt.cmdalias", "recipients", "cmdaliases/DOMAIN/USER.tab"},
    {stage::rcpt_custdomain, "rcpt.custdomain", "recipients", "custdomains/*.tab"},
    {stage::rcpt_relay, "rcpt.relay", "recipients", "smtprelay.tab, R permission, authentication"},
    {stage::filter_post_rcpt, "filter.post-rcpt", "message", "filters.post-rcpt.tab"},
    {stage::filter_pre_data, "filter.pre-data", "message", "filters.pre-data.tab"},
    {stage::data_receive, "data.receive", "message", "server.tab MaxMessageSize, SMTP-BareLF, ReceivedHdrType, DisableEmitAuthUser"},
    {stage::filter_post_data, "filter.post-data", "message", "filters.post-data.tab"},
    {stage::queue_spool, "queue.spool", "message", "spool/, message.id"},
    {stage::filter_in, "filter.in", "after the session", "filters.in.tab, filters/"},
    {stage::filter_out, "filter.out", "after the session", "filters.out.tab, filters/"},
    {stage::deliver_mailproc, "deliver.mailproc", "after the session", "mailproc.tab"},
    {stage::deliver_mailing_list, "deliver.mailing-list", "after the session", "mlusers.tab"},
    {stage::deliver_local, "deliver.local", "after the session", "domains/DOMAIN/USER/Maildir"},
    {stage::deliver_remote, "deliver.remote", "after the session", "smtpgw.tab, smtpfwd.tab, DefaultSMTPGateways, MX, userauth/smtp"},
    {stage::deliver_extalias, "deliver.extalias", "after the session", "extaliases.tab"},
    {stage::bounce, "bounce", "after the session", "server.tab PostMaster, ErrorsAdmin"},
    {stage::freeze, "freeze", "after the session", "spool froz/, RemoveSpoolErrors"},
}};

constexpr bool catalogue_in_enum_order() {
  for (std::size_t i = 0; i < catalogue.size(); ++i)
    if (static_cast<std::size_t>(catalogue[i].id) != i) return false;
  return true;
}
static_assert(catalogue_in_enum_order(), "stage catalogue must list stages in enum order");

constexpr std::array<std::string_view, 9> outcome_names{"pass", "accept", "reject", "defer", "drop",
                                                        "flag", "rewrite", "skip",   "error"};
}  // namespace

const stage_info& info(stage s) { return catalogue[static_cast<std::size_t>(s)]; }
std::string_view stage_name(stage s) { return info(s).name; }
std::span<const stage_info> all_stages() { return catalogue; }

std::optional<stage> stage_from_name(std::string_view name) {
  for (auto& s : catalogue)
    if (s.name == name) return s.id;
  return std::nullopt;
}

std::string_view outcome_name(outcome o) { return outcome_names[static_cast<std::size_t>(o)]; }

std::optional<outcome> outcome_from_name(std::string_view name) {
  for (std::size_t i = 0; i < outcome_names.size(); ++i)
    if (outcome_names[i] == name) return static_cast<outcome>(i);
  return std::nullopt;
}

}  // namespace mailflow
