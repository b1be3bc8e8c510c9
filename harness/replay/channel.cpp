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

void reply_assembler::put(std::string_view bytes) {
  buffer_.append(bytes);
  std::size_t nl;
  while ((nl = buffer_.find('\n')) != std::string::npos) {
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool more = line.size() >= 4 && line[3] == '-';
    current_.push_back(std::move(line));
    if (!more) {
      replies_.push_back(std::move(current_));
      current_.clear();
    }
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
  return out;
}

// ---- in_process_channel ----

in_process_channel::in_process_channel(smtp::smtp_environment env, smtp::session_settings settings,
                                       smtp::endpoint client, smtp::endpoint server, manual_clock& clock,
                                       tls::context* server_tls)
    : session_(env, std::move(settings), std::move(client), std::move(server)), clock_(clock), server_tls_(server_tls) {
  session_.on_connect();
  perform_effects();
}

in_process_channel::~in_process_channel() = default;

void in_process_channel::perform_effects() {
  // Effects may cause more effects (on_tls_ready after start_tls), so loop.
  for (;;) {
    auto effects = session_.take_effects();
    auto events = session_.take_events();
    if (events_.empty()) events_ = std::move(events);
    else events_.insert(events_.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
    if (effects.empty()) return;
    for (auto& e : effects) {
      if (auto b = std::get_if<smtp::send_bytes>(&e)) {
        if (closed_) continue;
        if (tls_active_) {
          server_engine_->write(b->data);
          shuttle();
          replies_.put(client_engine_->read());
        } else {
          replies_.put(b->data);
        }
      } else if (std::get_if<smtp::start_tls>(&e)) {
        tls_requested_ = true;
      } else if (std::get_if<smtp::close_connection>(&e)) {
        closed_ = true;
      } else if (auto d = std::get_if<smtp::delay>(&e)) {
        clock_.advance_ms(static_cast<std::int64_t>(d->seconds) * 1000);
      }
    }
  }
}

void in_process_channel::shuttle() {
  for (int i = 0; i < 64; ++i) {
    client_engine_->step();
    server_engine_->step();
    auto to_server = client_engine_->take_output();
    auto to_client = server_engine_->take_output();
    if (to_server.empty() && to_client.empty()) return;
    if (!to_server.empty()) server_engine_->put_input(to_server);
    if (!to_client.empty()) client_engine_->put_input(to_client);
  }
}

void in_process_channel::send(std::string_view bytes) {
  if (closed_ || client_closed_) return;
  if (tls_active_) {
    client_engine_->write(bytes);
    shuttle();
    session_.on_bytes(server_engine_->read());
  } else {
    session_.on_bytes(bytes);
  }
  perform_effects();
}

read_status in_process_channel::read(std::vector<std::string>& reply, std::chrono::milliseconds) {
  if (auto r = replies_.take()) {
    reply = std::move(*r);
    return read_status::reply;
  }
  return closed_ ? read_status::closed : read_status::none;
}

bool in_process_channel::start_tls(std::string& error) {
  if (!tls_requested_ || closed_) {
    error = "the server did not start TLS";
    return false;
  }
  std::string why;
  client_ctx_ = tls::context::client(false, why);
  if (!client_ctx_ || !server_tls_) {
    error = why.empty() ? "no TLS context" : why;
    session_.on_tls_failed(error);
    perform_effects();
    return false;
  }
  server_engine_ = std::make_unique<tls::engine>(*server_tls_, true);
  client_engine_ = std::make_unique<tls::engine>(*client_ctx_, false);
  shuttle();
  if (client_engine_->current() != tls::engine::state::established ||
      server_engine_->current() != tls::engine::state::established) {
    error = "TLS handshake failed: " + server_engine_->error() + client_engine_->error();
    session_.on_tls_failed(error);
    perform_effects();
    return false;
  }
  tls_active_ = true;
  session_.on_tls_ready({server_engine_->version(), server_engine_->cipher()});
  perform_effects();
  return true;
}

void in_process_channel::pause(int seconds) { clock_.advance_ms(static_cast<std::int64_t>(seconds) * 1000); }

void in_process_channel::close() {
  if (client_closed_) return;
  client_closed_ = true;
  if (!closed_) {
    session_.on_eof();
    perform_effects();
  }
}

std::vector<std::string> in_process_channel::trailing() { return replies_.rest(); }

std::vector<event> in_process_channel::take_events() { return std::exchange(events_, {}); }

// ---- tcp_channel ----

tcp_channel::tcp_channel(const std::string& host, int port, std::chrono::milliseconds patience) {
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

tcp_channel::~tcp_channel() {
  if (fd_ >= 0) ::close(fd_);
}

void tcp_channel::write_all(std::string_view bytes) {
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

void tcp_channel::send(std::string_view bytes) {
  if (tls_) {
    tls_->write(bytes);
    tls_->step();
    write_all(tls_->take_output());
  } else {
    write_all(bytes);
  }
}

bool tcp_channel::receive(std::chrono::milliseconds patience) {
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
  if (tls_) {
    tls_->put_input(std::string_view(buf, static_cast<std::size_t>(n)));
    tls_->step();
    write_all(tls_->take_output());
    replies_.put(tls_->read());
  } else {
    replies_.put(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  return true;
}

read_status tcp_channel::read(std::vector<std::string>& reply, std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    if (auto r = replies_.take()) {
      reply = std::move(*r);
      return read_status::reply;
    }
    if (eof_) return read_status::closed;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return read_status::none;
    receive(left);
  }
}

bool tcp_channel::start_tls(std::string& error) {
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

bool tcp_channel::wait_closed(std::chrono::milliseconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    receive(left);
  }
  return eof_;
}

void tcp_channel::pause(int seconds) { std::this_thread::sleep_for(std::chrono::seconds(seconds)); }

void tcp_channel::close() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

std::vector<std::string> tcp_channel::trailing() {
  // What a server still says within a short moment (replay.py waits 1.5 s).
  while (receive(std::chrono::milliseconds(300))) {
  }
  return replies_.rest();
}

std::vector<event> tcp_channel::take_events() { return {}; }

}  // namespace mailflow::harness
