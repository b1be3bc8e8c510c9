#include "env/simulation.hpp"

#include <algorithm>

namespace mailflow::env {

// ---------------------------------------------------------------- connection

connection::connection(simulation& sim, std::unique_ptr<protocol_session> session, std::uint64_t number,
                       environment& env, tls::context* server_tls)
    : sim_(sim), session_(std::move(session)), number_(number), executor_(env, number), server_tls_(server_tls) {}

bool connection::busy() const { return !server_closed_ && session_->busy(); }

void connection::send(std::string_view bytes) {
  if (server_closed_ || client_closed_) return;
  if (tls_active_) {
    client_engine_->write(bytes);
    shuttle();
    session_->on_bytes(server_engine_->read());
  } else {
    session_->on_bytes(bytes);
  }
  collect();
}

void connection::close() {
  if (client_closed_) return;
  client_closed_ = true;
  if (server_closed_) return;
  session_->on_eof();
  collect();
}

std::string connection::take_received() { return std::exchange(received_, {}); }

std::vector<timed_event> connection::take_events() { return std::exchange(events_, {}); }

void connection::deliver(std::string_view plaintext) { received_.append(plaintext); }

void connection::shuttle() {
  // Until neither side has anything to say: a big write takes many rounds, never a fixed number.
  for (;;) {
    client_engine_->step();
    server_engine_->step();
    auto to_server = client_engine_->take_output();
    auto to_client = server_engine_->take_output();
    if (to_server.empty() && to_client.empty()) return;
    if (!to_server.empty()) server_engine_->put_input(to_server);
    if (!to_client.empty()) client_engine_->put_input(to_client);
  }
}

void connection::fail_tls(const std::string& why) {
  if (!tls_requested_ || server_closed_ || tls_active_) return;
  tls_requested_ = false;
  session_->on_tls_failed(why);
  collect();
}

bool connection::start_tls(std::string& error) {
  if (!tls_requested_ || server_closed_) {
    error = "the server did not start TLS";
    return false;
  }
  tls_requested_ = false;
  std::string why;
  client_ctx_ = tls::context::client(false, why);
  if (!client_ctx_ || !server_tls_) {
    error = why.empty() ? "no TLS context" : why;
    session_->on_tls_failed(error);
    collect();
    return false;
  }
  server_engine_ = std::make_unique<tls::engine>(*server_tls_, true);
  client_engine_ = std::make_unique<tls::engine>(*client_ctx_, false);
  shuttle();
  if (client_engine_->current() != tls::engine::state::established ||
      server_engine_->current() != tls::engine::state::established) {
    error = "TLS handshake failed: " + server_engine_->error() + client_engine_->error();
    session_->on_tls_failed(error);
    collect();
    return false;
  }
  tls_active_ = true;
  session_->on_tls_ready({server_engine_->version(), server_engine_->cipher()});
  collect();
  return true;
}

void connection::collect() {
  struct immediate {
    request_id id;
    answer value;
  };
  std::vector<immediate> now;
  for (;;) {
    out_.clear();
    // The session appends its events to the connection's timeline directly
    // (one move each, and no buffer of its own to grow).
    out_.events.swap(events_);
    session_->drain(out_);
    events_.swap(out_.events);
    for (auto& e : out_.effects) {
      if (auto b = std::get_if<send_bytes>(&e)) {
        if (server_closed_) continue;
        if (tls_active_) {
          server_engine_->write(b->data);
          shuttle();
          deliver(client_engine_->read());
        } else {
          deliver(b->data);
        }
      } else if (std::holds_alternative<mailflow::start_tls>(e)) {
        tls_requested_ = true;
      } else if (std::holds_alternative<close_connection>(e)) {
        server_closed_ = true;
      }
    }
    now.clear();
    for (auto& r : out_.requests) {
      auto result = executor_.execute(r.what);
      if (result.simulated_ms > 0) {
        ++answers_pending_;
        sim_.schedule(*this, r.id, std::move(result.value), sim_.clock().now_ms() + result.simulated_ms);
      } else {
        now.push_back({r.id, std::move(result.value)});
      }
    }
    if (now.empty()) return;
    for (auto& a : now) session_->on_result(a.id, std::move(a.value));
  }
}

// ---------------------------------------------------------------- simulation

connection& simulation::connect(std::unique_ptr<protocol_session> session, std::uint64_t number,
                                tls::context* server_tls) {
  connections_.push_back(
      std::unique_ptr<connection>(new connection(*this, std::move(session), number, env_, server_tls)));
  auto& c = *connections_.back();
  c.session_->on_connect();
  c.collect();
  return c;
}

bool simulation::release(connection& c) {
  if (!c.server_closed_ || c.answers_pending_ > 0 || c.session_->busy()) return false;
  // Erased in place: the order of the others decides whose timer runs first.
  auto it = std::find_if(connections_.begin(), connections_.end(), [&](auto& p) { return p.get() == &c; });
  if (it == connections_.end()) return false;
  connections_.erase(it);
  return true;
}

void simulation::schedule(connection& c, request_id id, answer a, std::int64_t due_ms) {
  pending_answer p{due_ms, ++sequence_, &c, id, std::move(a)};
  auto at = std::upper_bound(pending_.begin(), pending_.end(), p, [](const pending_answer& x, const pending_answer& y) {
    return x.due_ms != y.due_ms ? x.due_ms < y.due_ms : x.sequence < y.sequence;
  });
  pending_.insert(at, std::move(p));
}

bool simulation::step() {
  bool any = false;
  const std::int64_t now = clock_.now_ms();
  while (!pending_.empty() && pending_.front().due_ms <= now) {
    auto p = std::move(pending_.front());
    pending_.pop_front();
    --p.to->answers_pending_;
    p.to->session_->on_result(p.id, std::move(p.value));
    p.to->collect();
    any = true;
  }
  for (auto& c : connections_) {
    if (c->server_closed_) continue;
    auto deadline = c->session_->next_deadline_ms();
    if (!deadline || *deadline > now) continue;
    c->session_->on_timer(now);
    c->collect();
    // a timer that changed nothing is not progress (guards against a protocol that ignores it)
    if (c->server_closed_ || c->session_->next_deadline_ms() != deadline) any = true;
  }
  return any;
}

std::optional<std::int64_t> simulation::next_event_ms() const {
  std::optional<std::int64_t> t;
  if (!pending_.empty()) t = pending_.front().due_ms;
  for (auto& c : connections_) {
    if (!c->busy()) continue;
    if (auto d = c->session_->next_deadline_ms(); d && (!t || *d < *t)) t = d;
  }
  return t;
}

std::optional<std::int64_t> simulation::next_idle_deadline_ms() const {
  std::optional<std::int64_t> t;
  for (auto& c : connections_) {
    if (c->server_closed_ || c->busy()) continue;
    if (auto d = c->session_->next_deadline_ms(); d && (!t || *d < *t)) t = d;
  }
  return t;
}

void simulation::advance_to(std::int64_t until) {
  for (;;) {
    while (step()) {
    }
    auto t = next_event_ms();
    auto idle = next_idle_deadline_ms();
    if (idle && (!t || *idle < *t)) t = idle;
    if (!t || *t > until || *t <= clock_.now_ms()) break;
    clock_.set_ms(*t);
  }
  if (until > clock_.now_ms()) clock_.set_ms(until);
  while (step()) {
  }
}

void simulation::settle() {
  for (;;) {
    while (step()) {
    }
    bool any_busy = std::any_of(connections_.begin(), connections_.end(), [](auto& c) { return c->busy(); });
    if (!any_busy) return;
    auto t = next_event_ms();
    if (!t) return;  // cannot happen: a busy session always has an answer or a deadline coming
    auto idle = next_idle_deadline_ms();
    if (idle && *idle < *t) t = idle;
    if (*t <= clock_.now_ms()) return;  // nothing due moves on: a protocol that ignores its timer
    clock_.set_ms(*t);
  }
}

}  // namespace mailflow::env
