// TLS through OpenSSL with memory BIOs (the Asio ssl::detail::engine and
// rustls "encrypted pipe" model): the engine never touches a socket. The
// transport puts the bytes it received with put_input(), takes the bytes to
// send with take_output(), and exchanges plaintext with write()/read(). The
// same engine runs STARTTLS in memory in the harness (two engines wired
// back to back) and over real sockets in `serve`.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace mailflow::tls {

// A PEM certificate and private key.
struct credentials {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A fresh self-signed certificate (EC P-256, valid for `days`) for tests and fixtures.
credentials make_self_signed(const std::string& common_name, int days = 3650);

class context {
 public:
  // A server context from PEM text; nullptr and `error` set when the key or
  // certificate does not load or they do not match.
  static std::unique_ptr<context> server(const credentials& creds, std::string& error);
  // A server context from MailRoot's server.cert and server.key (manual: SSL CONFIGURATION).
  static std::unique_ptr<context> server_from_files(const std::string& cert_path, const std::string& key_path,
                                                    std::string& error);
  // A client context; `verify_peer` off accepts any certificate (tests, XMail's default).
  static std::unique_ptr<context> client(bool verify_peer, std::string& error);
  ~context();
  context(const context&) = delete;
  context& operator=(const context&) = delete;

 private:
  friend class engine;
  explicit context(void* ctx) : ctx_(ctx) {}
  void* ctx_;  // SSL_CTX*
};

class engine {
 public:
  enum class state { handshaking, established, failed, closed };

  engine(context& ctx, bool server_side);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Ciphertext received from the peer.
  void put_input(std::string_view ciphertext);
  // Ciphertext to send to the peer (drains the output buffer).
  std::string take_output();
  // Plaintext to send; buffered until the handshake completes.
  void write(std::string_view plaintext);
  // Plaintext received so far (drains it).
  std::string read();
  // Progresses the handshake and the pending I/O; returns the current state.
  state step();

  state current() const { return state_; }
  std::string version() const;  // "TLSv1.3"
  std::string cipher() const;
  const std::string& error() const { return error_; }

 private:
  void pump();
  void* ssl_;       // SSL*
  void* network_;   // BIO* (our side of the BIO pair)
  state state_ = state::handshaking;
  std::string pending_plain_;
  std::string plain_in_;
  std::string error_;
};

}  // namespace mailflow::tls
