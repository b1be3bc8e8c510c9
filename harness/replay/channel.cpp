#include "replay/channel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <iterator>
#include <utility>

namespace mailflow::harness {

// ---- reply_assembler ----

void reply_assembler::end_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  bool more = line.size() >= 4 && line[3] == '-';
  if (current_bytes_ + line.size() > max_reply_bytes) {
    dropped_bytes_ += line.size();
  } else {
    current_bytes_ += line.size();
    current_.push_back(std::move(line));
  }
  if (!more) {
    if (dropped_bytes_)
      current_.push_back("(reply cut: " + std::to_string(dropped_bytes_) + " more bytes not kept)");
    replies_.push_back(std::move(current_));
    current_.clear();
    current_bytes_ = dropped_bytes_ = 0;
  }
}

void reply_assembler::put(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      // a line without end is kept up to the cap, then counted
      std::size_t room = buffer_.size() < max_reply_bytes ? max_reply_bytes - buffer_.size() : 0;
      buffer_.append(bytes.substr(0, room));
      dropped_bytes_ += bytes.size() - std::min(room, bytes.size());
      return;
    }
    std::size_t room = buffer_.size() < max_reply_bytes ? max_reply_bytes - buffer_.size() : 0;
    buffer_.append(bytes.substr(0, std::min(room, nl)));
    dropped_bytes_ += nl - std::min(room, nl);
    bytes.remove_prefix(nl + 1);
    end_line(std::exchange(buffer_, {}));
  }
}

std::optional<std::vector<std::string>> reply_assembler::take() {
  if (replies_.empty()) return std::nullopt;
  auto r = std::move(replies_.front());
  replies_.erase(replies_.begin());
  return r;
}

std::vector<std::string> reply_assembler::rest() {
  std::vector<std::string> out;
  for (auto& r : replies_) out.insert(out.end(), r.begin(), r.end());
  out.insert(out.end(), current_.begin(), current_.end());
  if (!buffer_.empty()) out.push_back(buffer_);
  replies_.clear();
  current_.clear();
  buffer_.clear();
  current_bytes_ = dropped_bytes_ = 0;
  return out;
}

// ---- tcp_link ----

tcp_link::tcp_link(const std::string& host, int port, std::chrono::milliseconds patience) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    error_ = "cannot resolve " + host + ": " + gai_strerror(rc);
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
      fd_ = fd;
      break;
    }
    error_ = "cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  freeaddrinfo(res);
  if (fd_ >= 0) error_.clear();
}

tcp_link::~tcp_link() {
  if (fd_ >= 0) ::close(fd_);
}

void tcp_link::write_all(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void tcp_link::send(std::string_view bytes) {
  if (tls_) {
    tls_->write(bytes);
    tls_->step();
    write_all(tls_->take_output());
  } else {
    write_all(bytes);
  }
}

bool tcp_link::receive(std::chrono::milliseconds patience) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(patience.count()));
  if (rc <= 0) return false;
  char buf[16384];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  std::string plain;
  if (tls_) {
    tls_->put_input(std::string_view(buf, static_cast<std::size_t>(n)));
    tls_->step();
    write_all(tls_->take_output());
    plain = tls_->read();
  } else {
    plain.assign(buf, static_cast<std::size_t>(n));
  }
  std::size_t room = received_.size() < max_untaken_bytes ? max_untaken_bytes - received_.size() : 0;
  received_.append(plain, 0, std::min(room, plain.size()));
  dropped_ += plain.size() - std::min(room, plain.size());
  return true;
}

bool tcp_link::start_tls(std::string& error) {
  std::string why;
  client_ctx_ = tls::context::client(false, why);
  if (!client_ctx_) {
    error = why;
    return false;
  }
  tls_ = std::make_unique<tls::engine>(*client_ctx_, false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (tls_->step() == tls::engine::state::handshaking) {
    write_all(tls_->take_output());
    if (std::chrono::steady_clock::now() >= deadline || eof_) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      tls_->put_input(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }
  write_all(tls_->take_output());
  if (tls_->current() != tls::engine::state::established) {
    error = "TLS handshake failed" + (tls_->error().empty() ? std::string() : ": " + tls_->error());
    return false;
  }
  return true;
}

bool tcp_link::wait_closed(std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    receive(left);
  }
  return eof_;
}

void tcp_link::close() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

}  // namespace mailflow::harness
