// agent's out-of-line members and global_agent() (see corohttp/config.hpp).
#pragma once

#include <corohttp/agent.hpp>
#include <corohttp/detail/agent_state.hpp>

namespace corohttp {

COROHTTP_DECL agent::agent(const net::any_io_executor& ex, agent_options options)
    : state_(std::make_shared<detail::agent_state>(ex, options)) {}

COROHTTP_DECL agent::~agent() { destroy(); }

COROHTTP_DECL void agent::prune() { state_->prune(true); }

COROHTTP_DECL void agent::destroy() { state_->destroy(); }

COROHTTP_DECL const agent_options& agent::options() const noexcept { return state_->options; }

COROHTTP_DECL agent_options& agent::options() noexcept { return state_->options; }

COROHTTP_DECL std::map<std::string, std::size_t> agent::sockets() const {
  std::map<std::string, std::size_t> m;
  for (auto& [n, p] : state_->pools)
    if (p.busy) m[n] = p.busy;
  return m;
}

COROHTTP_DECL std::map<std::string, std::size_t> agent::free_sockets() const {
  std::map<std::string, std::size_t> m;
  for (auto& [n, p] : state_->pools)
    if (!p.free.empty()) m[n] = p.free.size();
  return m;
}

COROHTTP_DECL std::map<std::string, std::size_t> agent::requests() const {
  std::map<std::string, std::size_t> m;
  for (auto& [n, p] : state_->pools)
    if (!p.waiting.empty()) m[n] = p.waiting.size();
  return m;
}

COROHTTP_DECL agent& global_agent(const net::any_io_executor& ex) {
  auto& ctx = net::query(ex, net::execution::context);
  return net::use_service<detail::global_agent_service>(ctx).get(ex);
}

}  // namespace corohttp
