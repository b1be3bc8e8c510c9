// The client end of a scripted session's connection. The same scripted
// client (replay/scripted_client.hpp) talks to mailflow's engine in memory
// (sim_link: an env::connection on the virtual clock) or to a real server
// over TCP (tcp_link: --target / --server), so a scenario means the same
// thing against mailflow's engine, `mailflow serve` or a real XMail.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/simulation.hpp"
#include "tls/tls_engine.hpp"

namespace mailflow::harness {

// Splits what a server sent into SMTP replies (lines up to one whose fourth
// character is not '-'). A reply is bounded: past max_reply_bytes its lines
// are counted, not kept, so a hostile server cannot grow the client's memory.
class reply_assembler {
 public:
  static constexpr std::size_t max_reply_bytes = 1024 * 1024;
  void put(std::string_view bytes);
  std::optional<std::vector<std::string>> take();
  bool empty() const { return replies_.empty(); }
  // Complete replies not taken, then any partial line.
  std::vector<std::string> rest();

 private:
  void end_line(std::string line);
  std::string buffer_;
  std::vector<std::string> current_;
  std::size_t current_bytes_ = 0, dropped_bytes_ = 0;
  std::vector<std::vector<std::string>> replies_;
};

enum class read_status { reply, none, closed };

class client_link {
 public:
  virtual ~client_link() = default;
  virtual void send(std::string_view bytes) = 0;
  // Plaintext the server sent since the last call.
  virtual std::string take_received() = 0;
  // Client side of STARTTLS after the server's 220; false with `error` when the handshake fails.
  virtual bool start_tls(std::string& error) = 0;
  virtual void close() = 0;
  virtual bool server_closed() const = 0;
  // Whether the server closes the connection within `patience` (data that arrives meanwhile is kept).
  virtual bool wait_closed(std::chrono::milliseconds patience) = 0;
};

// In memory, on the simulation's virtual clock.
class sim_link final : public client_link {
 public:
  explicit sim_link(env::connection& c) : c_(c) {}
  void send(std::string_view bytes) override { c_.send(bytes); }
  std::string take_received() override { return c_.take_received(); }
  bool start_tls(std::string& error) override { return c_.start_tls(error); }
  void close() override { c_.close(); }
  bool server_closed() const override { return c_.server_closed(); }
  bool wait_closed(std::chrono::milliseconds) override { return c_.server_closed(); }
  env::connection& connection() { return c_; }

 private:
  env::connection& c_;
};

// Over a real TCP connection (POSIX sockets; Asio stays in engine/net).
class tcp_link final : public client_link {
 public:
  // Connects within `patience`; on failure `ok()` is false and `error()` says why.
  tcp_link(const std::string& host, int port, std::chrono::milliseconds patience);
  ~tcp_link() override;
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  void send(std::string_view bytes) override;
  std::string take_received() override { return std::exchange(received_, {}); }
  bool start_tls(std::string& error) override;
  void close() override;
  bool server_closed() const override { return eof_; }
  bool wait_closed(std::chrono::milliseconds patience) override;
  // Waits up to `patience` for bytes; false when none came (or the server closed).
  // What is not taken is kept up to max_untaken_bytes; the rest is dropped and
  // counted, so a server that never stops talking cannot grow memory.
  bool receive(std::chrono::milliseconds patience);
  static constexpr std::size_t max_untaken_bytes = 4 * reply_assembler::max_reply_bytes;
  std::uint64_t dropped_bytes() const { return dropped_; }

 private:
  void write_all(std::string_view bytes);
  int fd_ = -1;
  bool eof_ = false;
  std::string error_;
  std::string received_;
  std::uint64_t dropped_ = 0;
  std::unique_ptr<tls::context> client_ctx_;
  std::unique_ptr<tls::engine> tls_;
};

}  // namespace mailflow::harness
