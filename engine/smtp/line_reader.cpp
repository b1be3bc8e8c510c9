#include "line_reader.hpp"

namespace mailflow::smtp {

std::optional<command_line> command_reader::next(std::string_view& in) {
  auto lf = in.find('\n');
  std::string_view chunk = lf == std::string_view::npos ? in : in.substr(0, lf);
  if (!overflow_) {
    buf_.append(chunk);
    // the limit excludes the line ending: allow one extra byte for a CR
    if (buf_.size() > max_ + 1) {
      overflow_ = true;
      buf_.clear();
    }
  }
  if (lf == std::string_view::npos) {
    in.remove_prefix(in.size());
    return std::nullopt;
  }
  in.remove_prefix(lf + 1);
  command_line out;
  if (overflow_) {
    out.too_long = true;
  } else {
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    if (buf_.size() > max_) {
      out.too_long = true;
    } else {
      out.text = std::move(buf_);
    }
  }
  buf_.clear();
  overflow_ = false;
  return out;
}

void data_reader::append(std::string_view s) {
  size_ += s.size();
  if (size_ <= max_bytes_) message_.append(s);
}

void data_reader::end_line(bool real_crlf) {
  std::string_view line = line_;
  if (line_after_crlf_ && !line.empty() && line.front() == '.') line.remove_prefix(1);
  append(line);
  append("\r\n");
  if (!real_crlf) bare_lf_ = true;
  line_after_crlf_ = real_crlf;
  line_.clear();
}

bool data_reader::feed(std::string_view& in) {
  std::size_t i = 0;
  for (; i < in.size(); ++i) {
    char c = in[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        if (line_after_crlf_ && line_ == ".") {
          in.remove_prefix(i + 1);
          line_.clear();
          return true;
        }
        end_line(true);
        continue;
      }
      line_ += '\r';  // a bare CR is content
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (c == '\n') {
      end_line(false);
    } else {
      line_ += c;
      // keep memory bounded for a huge line: flush the part already known to be content
      if (line_.size() > 65536) {
        std::string_view l = line_;
        if (line_after_crlf_ && l.front() == '.') l.remove_prefix(1);
        line_after_crlf_ = false;  // unstuffing is done; the rest of this line is plain content
        append(l);
        line_.clear();
      }
    }
  }
  in.remove_prefix(i);
  return false;
}

}  // namespace mailflow::smtp
