#include "codes.hpp"

#include <array>

namespace mailflow::verify {

namespace {
constexpr auto E = severity::error;
constexpr auto W = severity::warning;
constexpr auto N = severity::note;

const std::array codes = {
    // TAB syntax (engine/config/tab_file.cpp)
    code_info{"tab-unterminated-quote", E, "a quoted field has no closing quote; the line is ignored"},
    code_info{"tab-bad-quoting", E, "a stray double quote inside a field; the line is ignored"},
    code_info{"tab-space-separator", E, "fields separated by spaces where XMail needs a TAB; the line is ignored"},
    code_info{"tab-stray-space", W, "spaces outside a field's quotes; they are ignored"},
    code_info{"tab-bom", W, "a UTF-8 byte order mark at the start of a file; it is ignored"},
    code_info{"tab-nul-byte", E, "a NUL byte in a line; the line is ignored"},
    code_info{"tab-bare-cr", E, "a carriage return inside a line (not ending it); the line is ignored"},
    code_info{"file-unreadable", E, "a file exists but cannot be read (a folder, no permission)"},
    // Table contents (engine/config/tables.cpp, variables.cpp, mailroot.cpp)
    code_info{"field-count", E, "a line has the wrong number of fields for its file"},
    code_info{"empty-field", E, "a field that must have a value is empty"},
    code_info{"bad-value", E, "a value of the wrong kind or out of range"},
    code_info{"bad-network", E, "an IP address, netmask or addr/bits that does not parse"},
    code_info{"bad-account-id", E, "a mailusers.tab account id that is not a number"},
    code_info{"account-id-zero", E, "a mailusers.tab account id 0 (reserved by XMail)"},
    code_info{"bad-account-type", E, "a mailusers.tab account type other than U or M"},
    code_info{"bad-perms", E, "an unknown letter in SMTP or mailing-list permissions"},
    code_info{"bad-permission", E, "an *.ipmap.tab permission other than ALLOW or DENY"},
    code_info{"bad-precedence", E, "an *.ipmap.tab precedence that is not a number"},
    code_info{"bad-property", E, "an smtp.ipprop.tab / smtp.hnprop.tab field that is not Var=value"},
    code_info{"unknown-property", W, "an smtp.ipprop.tab / smtp.hnprop.tab variable XMail does not know"},
    code_info{"unknown-parameter", W, "a spammers.tab parameter other than code"},
    code_info{"unknown-filter-flag", W, "a filter flag other than aex, wlex, timeo=N"},
    code_info{"unknown-command", E, "a mailproc/cmdalias/custdomain command XMail does not know here"},
    code_info{"bad-address", E, "an mlusers.tab subscriber that is not user@domain"},
    code_info{"bad-message-id", E, "message.id does not hold a number"},
    // Files and folders
    code_info{"missing-required-file", E, "a file without which XMail refuses service"},
    code_info{"missing-standard-file", N, "a file XMail's MailRoot normally has is missing"},
    code_info{"missing-standard-folder", W, "a folder XMail uses is missing"},
    // server.tab, user.tab, userdef.tab
    code_info{"unknown-variable", E, "a server.tab variable XMail does not know (a typo is silently ignored)"},
    code_info{"unknown-user-variable", W, "a user.tab / userdef.tab variable XMail does not know"},
    code_info{"duplicate-variable", W, "a variable set twice; the first line wins"},
    code_info{"missing-root-domain", W, "server.tab sets no RootDomain"},
    code_info{"ipmap-dropcode-zero", W, "SMTP-IpMapDropCode 0, which XMail 1.27 does not enforce"},
    // Domains and accounts
    code_info{"duplicate-domain", W, "a domain listed twice in domains.tab"},
    code_info{"duplicate-account", W, "an account defined twice in mailusers.tab; the first line wins"},
    code_info{"duplicate-account-id", E, "two accounts with the same id"},
    code_info{"account-domain-not-local", W, "an account in a domain that is not in domains.tab"},
    code_info{"account-folder-missing", E, "an account's folder domains/DOMAIN/DIR does not exist"},
    code_info{"account-folder-case", E, "an account's folder exists only with a different case"},
    code_info{"account-folder-shared", W, "two accounts use the same folder"},
    code_info{"account-no-mailbox", W, "an account folder without Maildir/ (tmp, new, cur) or mailbox/"},
    code_info{"mlusers-missing", E, "a mailing list without mlusers.tab"},
    code_info{"ml-member-unknown", W, "a list member in a local domain that is no account or alias"},
    // Aliases
    code_info{"duplicate-alias", W, "the same alias defined twice; the first line wins"},
    code_info{"alias-target-missing", E, "an alias to a local address that is no account"},
    code_info{"alias-target-remote", E, "an alias to an address in a domain that is not local"},
    code_info{"alias-chain", E, "an alias to another alias (aliases resolve one level only)"},
    code_info{"alias-loop", E, "aliases that lead back to themselves"},
    code_info{"alias-shadowed-by-account", W, "an alias with the name of an account; the account wins"},
    code_info{"alias-domain-not-local", W, "an alias in a domain that is not in domains.tab"},
    code_info{"duplicate-alias-domain", W, "the same domain alias defined twice; the first line wins"},
    code_info{"alias-domain-target-unknown", E, "a domain alias whose real domain is not in domains.tab"},
    code_info{"ext-alias-target-unknown", W, "an extaliases.tab line whose local account does not exist"},
    code_info{"pop3link-account-unknown", W, "a pop3links.tab line whose local account does not exist"},
    // Command aliases, custom domains, filters, external programs
    code_info{"cmdalias-shadows-account", W, "a command alias with the name of an account or alias; it is checked first"},
    code_info{"command-file-name-case", W, "a cmdaliases/custdomains name with upper case; XMail never finds it"},
    code_info{"custdomain-shadowed", W, "a custom domain file for a domain in domains.tab; it is never used"},
    code_info{"filter-file-missing", E, "a filters.in.tab / filters.out.tab line names a missing filter file"},
    code_info{"program-missing", E, "a filter, external command or authentication program does not exist"},
    code_info{"program-not-executable", E, "a filter, external command or authentication program cannot be run"},
    // Security
    code_info{"weak-password", W, "an empty or well-known password"},
    code_info{"bad-password-encoding", W, "a password that is not XMCrypt-encoded hex"},
    code_info{"open-relay", W, "smtprelay.tab lets every address relay"},
    code_info{"ctrl-open", W, "ctrl.ipmap.tab lets every address reach the CTRL (admin) port"},
    code_info{"cleartext-auth", W, "TLS is configured but AUTH is allowed before STARTTLS"},
};
}  // namespace

std::span<const code_info> diagnostic_codes() { return codes; }

const code_info* find_code(std::string_view code) {
  for (auto& c : codes)
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace mailflow::verify
