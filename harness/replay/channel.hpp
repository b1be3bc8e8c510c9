// The scripted client's side of one connection. The same steps drive the
// engine in memory (in_process_channel: smtp_session on a virtual clock,
// STARTTLS through two tls::engine objects back to back) or a real server
// over TCP (tcp_channel: --target / --server), so a scenario means the same
// thing against mailflow's engine, `mailflow serve` or a real XMail.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/event.hpp"
#include "smtp/smtp_session.hpp"
#include "tls/tls_engine.hpp"

namespace mailflow::harness {

// Splits what a server sent into SMTP replies (lines up to one whose fourth
// character is not '-').
class reply_assembler {
 public:
  void put(std::string_view bytes);
  std::optional<std::vector<std::string>> take();
  bool empty() const { return replies_.empty(); }
  // Complete replies not taken, then any partial line.
  std::vector<std::string> rest();

 private:
  std::string buffer_;
  std::vector<std::string> current_;
  std::vector<std::vector<std::string>> replies_;
};

enum class read_status { reply, none, closed };

class client_channel {
 public:
  virtual ~client_channel() = default;
  virtual void send(std::string_view bytes) = 0;
  // The next reply; `patience` is how long a real server is given.
  virtual read_status read(std::vector<std::string>& reply, std::chrono::milliseconds patience) = 0;
  // Client side of STARTTLS after the server's 220; false with `error` when the handshake fails.
  virtual bool start_tls(std::string& error) = 0;
  virtual void pause(int seconds) = 0;
  virtual void close() = 0;
  // After the last step: replies nobody read, and whether the server closed.
  virtual std::vector<std::string> trailing() = 0;
  virtual bool server_closed() const = 0;
  // Whether the server closes the connection within `patience` (replies that arrive meanwhile are kept).
  virtual bool wait_closed(std::chrono::milliseconds patience) = 0;
  // The timeline of the connection (engine events in-process; lines and replies over TCP).
  virtual std::vector<event> take_events() = 0;
};

// In memory against smtp_session.
class in_process_channel final : public client_channel {
 public:
  in_process_channel(smtp::smtp_environment env, smtp::session_settings settings, smtp::endpoint client,
                     smtp::endpoint server, manual_clock& clock, tls::context* server_tls);
  ~in_process_channel() override;
  void send(std::string_view bytes) override;
  read_status read(std::vector<std::string>& reply, std::chrono::milliseconds patience) override;
  bool start_tls(std::string& error) override;
  void pause(int seconds) override;
  void close() override;
  std::vector<std::string> trailing() override;
  bool server_closed() const override { return closed_; }
  bool wait_closed(std::chrono::milliseconds) override { return closed_; }
  std::vector<event> take_events() override;
  const std::string& greeting_token() const { return session_.greeting_token(); }

 private:
  void perform_effects();
  void shuttle();  // moves ciphertext between the two TLS engines until both are idle

  smtp::smtp_session session_;
  manual_clock& clock_;
  tls::context* server_tls_;
  std::unique_ptr<tls::context> client_ctx_;
  std::unique_ptr<tls::engine> server_engine_, client_engine_;
  bool tls_requested_ = false, tls_active_ = false, closed_ = false, client_closed_ = false;
  reply_assembler replies_;
  std::vector<event> events_;
};

// Over a real TCP connection (POSIX sockets; Asio stays in engine/net).
class tcp_channel final : public client_channel {
 public:
  // Connects within `patience`; on failure `ok()` is false and `error()` says why.
  tcp_channel(const std::string& host, int port, std::chrono::milliseconds patience);
  ~tcp_channel() override;
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  void send(std::string_view bytes) override;
  read_status read(std::vector<std::string>& reply, std::chrono::milliseconds patience) override;
  bool start_tls(std::string& error) override;
  void pause(int seconds) override;
  void close() override;
  std::vector<std::string> trailing() override;
  bool server_closed() const override { return eof_; }
  bool wait_closed(std::chrono::milliseconds patience) override;
  std::vector<event> take_events() override;

 private:
  bool receive(std::chrono::milliseconds patience);  // false: nothing arrived in time or EOF
  void write_all(std::string_view bytes);
  int fd_ = -1;
  bool eof_ = false;
  std::string error_;
  std::unique_ptr<tls::context> client_ctx_;
  std::unique_ptr<tls::engine> tls_;
  reply_assembler replies_;
};

}  // namespace mailflow::harness
