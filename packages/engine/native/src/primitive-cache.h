// A bounded least-recently-used map from a string key to a shared plan (oneDNN primitives and the
// descriptors around them). Creating a oneDNN primitive costs milliseconds (JIT), so plans are reused
// across calls with the same shapes; the bound keeps native memory flat however many shapes a run sees.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

template <typename Plan>
class PrimitiveCache {
 public:
  explicit PrimitiveCache(std::size_t capacity) : capacity_(capacity) {}

  // The plan stored under `key` (now the most recently used), or nullptr.
  std::shared_ptr<Plan> find(const std::string& key) {
    auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, found->second);
    return found->second->second;
  }

  // Stores `plan` under `key`, dropping the least recently used plans beyond the capacity.
  void insert(const std::string& key, std::shared_ptr<Plan> plan) {
    auto found = index_.find(key);
    if (found != index_.end()) {
      found->second->second = std::move(plan);
      order_.splice(order_.begin(), order_, found->second);
      return;
    }
    order_.emplace_front(key, std::move(plan));
    index_[key] = order_.begin();
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }

  void clear() {
    index_.clear();
    order_.clear();
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<Plan>>;
  std::size_t capacity_;
  std::list<Entry> order_;
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};
