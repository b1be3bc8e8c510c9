// Input framing for an SMTP server session, fed incrementally (any split).
//
// command_reader: command lines end with CRLF or a bare LF (XMail and Postfix
// accept both). A line longer than the limit (XMail: 1020 octets before the
// line ending) is reported once, when its end arrives, as `too_long`, and its
// bytes are discarded, so the session stays in sync.
//
// data_reader: the message after DATA (RFC 5321 4.1.1.4, 4.5.2). Only
// CRLF "." CRLF, where the CRLF before the dot is a real CRLF, ends the
// data; a bare LF ends a line for storage (it is written as CRLF) but never
// takes part in an end-of-data sequence, and a bare CR is content. So none of
// the SMTP smuggling variants (\n.\n, \r.\r, \r.\n, \n.\r, \n.\r\n, \r\n.\n,
// \r.\r\n, \r\n.\r, \r\n\0.\r\n, \r\n.\r\r\n, \r\r\n.\r\r\n) ends the
// message, whether fed at once or byte by byte. Lines that begin with a dot
// after a real CRLF are unstuffed. Bytes beyond `max_bytes` are counted but
// not kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailflow::smtp {

struct command_line {
  std::string text;       // without its line ending
  bool too_long = false;  // text is empty then
};

class command_reader {
 public:
  explicit command_reader(std::size_t max_length = 1020) : max_(max_length) {}
  // Consumes bytes from `in` up to and including one line ending; returns the
  // line when complete. `in` is advanced past what was consumed.
  std::optional<command_line> next(std::string_view& in);
  bool has_partial() const { return !buf_.empty() || overflow_; }
  void reset() {
    buf_.clear();
    overflow_ = false;
  }

 private:
  std::size_t max_;
  std::string buf_;
  bool overflow_ = false;
};

class data_reader {
 public:
  explicit data_reader(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}
  // Consumes bytes; returns true when the end of data was consumed (bytes
  // after it stay in `in`).
  bool feed(std::string_view& in);

  const std::string& message() const { return message_; }  // CRLF lines, unstuffed
  std::string take_message() { return std::move(message_); }
  std::uint64_t size() const { return size_; }               // bytes of message (kept or not)
  bool over_limit() const { return size_ > max_bytes_; }
  bool saw_bare_lf() const { return bare_lf_; }

 private:
  void end_line(bool real_crlf);
  void append(std::string_view s);

  std::uint64_t max_bytes_;
  std::string message_;
  std::string line_;
  std::uint64_t size_ = 0;
  bool line_after_crlf_ = true;  // the current line began after a real CRLF (or at the start)
  bool pending_cr_ = false;      // the last byte was a CR not yet known to be part of CRLF
  bool bare_lf_ = false;
};

}  // namespace mailflow::smtp
