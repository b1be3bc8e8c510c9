#include "tls_engine.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace mailflow::tls {

namespace {

std::string openssl_error(const char* what) {
  std::string out = what;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  return out;
}

std::string bio_to_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

SSL* ssl_of(void* p) { return static_cast<SSL*>(p); }

}  // namespace

credentials make_self_signed(const std::string& common_name, int days) {
  credentials out;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, cert);
  out.certificate_pem = bio_to_string(cb);
  BIO_free(cb);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.private_key_pem = bio_to_string(kb);
  BIO_free(kb);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::unique_ptr<context> context::server(const credentials& creds, std::string& error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    error = openssl_error("SSL_CTX_new");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  BIO* cb = BIO_new_mem_buf(creds.certificate_pem.data(), static_cast<int>(creds.certificate_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(creds.private_key_pem.data(), static_cast<int>(creds.private_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
            SSL_CTX_check_private_key(ctx) == 1;
  if (!ok) error = openssl_error(!cert ? "server.cert" : !key ? "server.key" : "certificate and key");
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return std::unique_ptr<context>(new context(ctx));
}

std::unique_ptr<context> context::server_from_files(const std::string& cert_path, const std::string& key_path,
                                                    std::string& error) {
  auto read = [&](const std::string& path, std::string& out) {
    BIO* b = BIO_new_file(path.c_str(), "r");
    if (!b) return false;
    char buf[4096];
    int n;
    while ((n = BIO_read(b, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    BIO_free(b);
    return true;
  };
  credentials creds;
  if (!read(cert_path, creds.certificate_pem)) {
    error = "cannot read " + cert_path;
    ERR_clear_error();
    return nullptr;
  }
  if (!read(key_path, creds.private_key_pem)) {
    error = "cannot read " + key_path;
    ERR_clear_error();
    return nullptr;
  }
  return server(creds, error);
}

std::unique_ptr<context> context::client(bool verify_peer, std::string& error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    error = openssl_error("SSL_CTX_new");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (verify_peer) SSL_CTX_set_default_verify_paths(ctx);
  return std::unique_ptr<context>(new context(ctx));
}

context::~context() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

engine::engine(context& ctx, bool server_side) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx.ctx_));
  BIO* internal = nullptr;
  BIO* network = nullptr;
  BIO_new_bio_pair(&internal, 0, &network, 0);
  SSL_set_bio(ssl, internal, internal);
  if (server_side) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  ssl_ = ssl;
  network_ = network;
}

engine::~engine() {
  SSL_free(ssl_of(ssl_));
  BIO_free(static_cast<BIO*>(network_));
}

void engine::put_input(std::string_view ciphertext) {
  BIO* net = static_cast<BIO*>(network_);
  while (!ciphertext.empty()) {
    int n = BIO_write(net, ciphertext.data(), static_cast<int>(ciphertext.size()));
    if (n <= 0) {
      // the pair's buffer is full: let OpenSSL consume what it holds, then go on
      pump();
      n = BIO_write(net, ciphertext.data(), static_cast<int>(ciphertext.size()));
      if (n <= 0) {
        state_ = state::failed;
        error_ = "TLS input buffer overflow";
        return;
      }
    }
    ciphertext.remove_prefix(static_cast<std::size_t>(n));
    pump();
  }
}

std::string engine::take_output() {
  pump();
  std::string out;
  BIO* net = static_cast<BIO*>(network_);
  char buf[16384];
  int n;
  while ((n = BIO_read(net, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

void engine::write(std::string_view plaintext) {
  pending_plain_.append(plaintext);
  pump();
}

std::string engine::read() {
  pump();
  std::string out;
  out.swap(plain_in_);
  return out;
}

engine::state engine::step() {
  pump();
  return state_;
}

void engine::pump() {
  if (state_ == state::failed || state_ == state::closed) return;
  SSL* ssl = ssl_of(ssl_);
  if (state_ == state::handshaking) {
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
      state_ = state::established;
    } else {
      int e = SSL_get_error(ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        state_ = state::failed;
        error_ = openssl_error("TLS handshake failed");
        return;
      }
      return;
    }
  }
  while (!pending_plain_.empty()) {
    int n = SSL_write(ssl, pending_plain_.data(), static_cast<int>(pending_plain_.size()));
    if (n <= 0) break;
    pending_plain_.erase(0, static_cast<std::size_t>(n));
  }
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n > 0) {
      plain_in_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    int e = SSL_get_error(ssl, n);
    if (e == SSL_ERROR_ZERO_RETURN) state_ = state::closed;
    else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      state_ = state::failed;
      error_ = openssl_error("TLS read failed");
    }
    break;
  }
}

std::string engine::version() const { return SSL_get_version(ssl_of(ssl_)); }

std::string engine::cipher() const {
  const char* c = SSL_get_cipher_name(ssl_of(ssl_));
  return c ? c : "";
}

}  // namespace mailflow::tls
